"""VCR.py cassettes as the verifier reads them: YAML or JSON, recorded through httpx (header
names in lower case) or requests (as sent), bodies as text, bytes or ``{"string": ...}``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from migrate.verify.bounded_yaml import YamlTooLarge, load_bounded
from migrate.verify.content import decoded_body

__all__ = ["MAX_CASSETTE_BYTES", "Cassette", "CassetteError", "Headers", "Interaction",
           "load_cassette"]

# Far above any recorded session (bodies included), low enough that reading one cannot take
# the machine's memory with it.
MAX_CASSETTE_BYTES = 256 * 1024 * 1024
_DEFAULT_PORTS = {"http": "80", "https": "443"}
class CassetteError(ValueError):
    """A file that cannot be read as a cassette; the message names it and says what to do."""


@dataclass(frozen=True)
class Headers:
    """Case-insensitive, multi-valued, order kept."""

    items: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, raw: Any) -> Headers:
        pairs: list[tuple[str, str]] = []
        if isinstance(raw, dict):
            for name, values in raw.items():
                for value in values if isinstance(values, list) else [values]:
                    pairs.append((str(name), "" if value is None else str(value)))
        return cls(tuple(pairs))

    def get(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.items if k.lower() == lowered), None)

    def all(self, name: str) -> list[str]:
        lowered = name.lower()
        return [v for k, v in self.items if k.lower() == lowered]

    def names(self) -> set[str]:
        return {k.lower() for k, _ in self.items}


def _body(raw: Any) -> bytes:
    if isinstance(raw, dict):
        raw = raw.get("string", raw.get("base64_string", b""))
    if raw is None:
        return b""
    if isinstance(raw, bytes):
        return raw
    return str(raw).encode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Interaction:
    index: int
    method: str
    uri: str
    request_headers: Headers
    request_body: bytes
    status: int
    response_headers: Headers
    response_body: bytes

    @property
    def host(self) -> str:
        """Host (and port, unless it is the scheme's default) in lower case:
        ``marketplace.walmartapis.com:443`` is ``marketplace.walmartapis.com``."""
        parts = urlsplit(self.uri)
        netloc = parts.netloc.rpartition("@")[2].lower()
        host, sep, port = netloc.rpartition(":")
        if sep and "]" not in port and port == _DEFAULT_PORTS.get(parts.scheme.lower()):
            return host
        return netloc

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def query(self) -> str:
        return urlsplit(self.uri).query

    @property
    def when(self) -> float | None:
        """When the gateway answered, from the response's Date header, in epoch seconds."""
        value = self.response_headers.get("date")
        if not value:
            return None
        try:
            return parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, OverflowError):  # a year past 9999 overflows
            return None

    @property
    def response_content(self) -> bytes:
        """The response body as the client read it: gzip or deflate undone (bounded)."""
        return decoded_body(self.response_body, self.response_headers.get("content-encoding"))

    def where(self) -> str:
        return f"interaction {self.index} ({self.method} {self.uri})"


@dataclass
class Cassette:
    path: Path
    interactions: list[Interaction] = field(default_factory=list)
    text: str = ""  # the file as read, to point at lines

    @property
    def name(self) -> str:
        return self.path.name

    def line_of(self, index: int) -> int:
        """The line an interaction starts on (1 when it cannot be told)."""
        marker = "- request:" if self.path.suffix in (".yaml", ".yml") else '"request":'
        seen = -1
        for number, line in enumerate(self.text.splitlines(), 1):
            if line.strip().startswith(marker):
                seen += 1
                if seen == index:
                    return number
        return 1


def _interaction(index: int, raw: Any, path: Path) -> Interaction:
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict) or \
            not isinstance(raw.get("response"), dict):
        raise CassetteError(f"{path}: interaction {index} has no request or response; the "
                            "cassette was cut short - record it again")
    request, response = raw["request"], raw["response"]
    uri = request.get("uri", "")
    try:
        urlsplit(uri if isinstance(uri, str) else "").port  # noqa: B018 - the port parses it all
    except ValueError:
        raise CassetteError(f"{path}: interaction {index} has a URI that cannot be parsed "
                            f"({str(uri)[:80]!r}); fix it by hand or record the cassette "
                            "again") from None
    if not isinstance(uri, str):
        raise CassetteError(f"{path}: interaction {index} has no URI; record the cassette again")
    status = response.get("status", {})
    code = status.get("code") if isinstance(status, dict) else status
    try:
        return Interaction(
            index=index, method=str(request.get("method", "")).upper(),
            uri=uri, request_headers=Headers.of(request.get("headers")),
            request_body=_body(request.get("body")), status=int(str(code)),
            response_headers=Headers.of(response.get("headers")),
            response_body=_body(response.get("body")))
    except (TypeError, ValueError, OverflowError):
        raise CassetteError(f"{path}: interaction {index} has no usable status code; record "
                            "the cassette again") from None


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_CASSETTE_BYTES:
            raise CassetteError(f"{path}: {size} bytes is more than a cassette holds "
                                f"({MAX_CASSETTE_BYTES} at most); split the recording")
        # utf-8-sig: editors on Windows save JSON with a byte order mark, and VCR.py reads it.
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CassetteError(f"{path}: cannot read the cassette ({reason})") from None


def _parse(path: Path, text: str) -> Any:
    kind = "JSON" if path.suffix == ".json" else "YAML"
    try:
        return json.loads(text) if kind == "JSON" else load_bounded(text)
    except YamlTooLarge as exc:
        raise CassetteError(f"{path}: refused: {exc}; record the cassette again with "
                            "VCR.py") from None
    except RecursionError:
        raise CassetteError(f"{path}: not a VCR.py cassette ({kind} nested too deep to "
                            "read)") from None
    except (ValueError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" near line {mark.line + 1}" if mark is not None else ""
        raise CassetteError(f"{path}: not valid {kind}{where} - truncated or hand-edited? "
                            "record it again") from None


def load_cassette(path: str | Path) -> Cassette:
    path = Path(path)
    text = _read(path)
    data = _parse(path, text)
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise CassetteError(f"{path}: not a VCR.py cassette (no 'interactions' list)")
    interactions = [_interaction(i, raw, path) for i, raw in enumerate(data["interactions"])]
    return Cassette(path, interactions, text)
