"""Benchmarks, run on demand (``make bench`` or ``python -m bench [name...]``).

Each prints ratios against a baseline measured in the same run; none is a timed test.
"""
