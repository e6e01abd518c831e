"""``python -m bench [NAME...] [--quick]``: run the named benchmarks (all by default)."""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from bench import recognition, runner_speed, shim_overhead, verify_speed

BENCHMARKS: dict[str, Callable[[float], list[str]]] = {
    "shim": shim_overhead.run,
    "runner": runner_speed.run,
    "verify": verify_speed.run,
    "recognition": recognition.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"any of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    for name in args.names or list(BENCHMARKS):
        print(f"== {name}", flush=True)
        for line in BENCHMARKS[name](0.05 if args.quick else 1.0):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
