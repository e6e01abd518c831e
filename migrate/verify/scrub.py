"""Take secrets out of interactions before they are written: Basic credentials, tokens in
request headers and in token answers, legacy signatures, private keys, and known secrets.
The same secret always becomes the same placeholder (``<WALMART-TOKEN-1>``), so the
verifier can still tell that the token sent is the one issued."""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

from shim._secrets import _BARE_KEY, _PEM
from shim._wire import ACCESS_TOKEN, AUTH_SIGNATURE

__all__ = ["Scrubber"]

_TOKEN_JSON = re.compile(r'("access_token"\s*:\s*")([^"]*)(")')
_TOKEN_XML = re.compile(r"(<accessToken>)([^<]*)(</accessToken>)")


def _is_placeholder(value: str) -> bool:
    return value.startswith("<WALMART-") and value.endswith(">")


class Scrubber:
    """One per test session: placeholders are numbered in the order secrets are first seen."""

    def __init__(self, known: tuple[str, ...] = ()) -> None:
        self.known = tuple(k for k in known if k and len(k) >= 6)
        self._placeholders: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def placeholder(self, value: str, kind: str) -> str:
        if not value or _is_placeholder(value):
            return value
        with self._lock:
            if value not in self._placeholders:
                self._counts[kind] = self._counts.get(kind, 0) + 1
                self._placeholders[value] = f"<WALMART-{kind}-{self._counts[kind]}>"
            return self._placeholders[value]

    # -- text ------------------------------------------------------------------------------
    def text(self, text: str) -> str:
        """Every secret seen so far, the known ones, and private keys, anywhere in ``text``."""
        text = _PEM.sub(lambda m: self.placeholder(m.group(0), "PRIVATE-KEY"), text)
        text = _BARE_KEY.sub(lambda m: self.placeholder(m.group(0), "PRIVATE-KEY"), text)
        for secret in self.known:
            if secret in text:
                text = text.replace(secret, self.placeholder(secret, "SECRET"))
        with self._lock:
            seen = sorted(self._placeholders.items(), key=lambda item: -len(item[0]))
        for secret, placeholder in seen:
            if secret in text:
                text = text.replace(secret, placeholder)
        return text

    def _bytes(self, body: Any) -> Any:
        if isinstance(body, bytes):
            try:
                return self.text(body.decode("utf-8")).encode("utf-8")
            except UnicodeDecodeError:
                return body  # binary payloads carry no credentials we could name
        if isinstance(body, str):
            return self.text(body)
        return body

    # -- headers ---------------------------------------------------------------------------
    def header(self, name: str, value: str) -> str:
        lowered = name.lower()
        if lowered == "authorization":
            scheme, _, credential = value.partition(" ")
            kind = "BASIC" if scheme.lower() == "basic" else "BEARER"
            return f"{scheme} {self.placeholder(credential.strip(), kind)}" if credential else value
        if lowered == ACCESS_TOKEN.lower():
            return self.placeholder(value.strip(), "TOKEN")
        if lowered == AUTH_SIGNATURE.lower():
            return self.placeholder(value.strip(), "SIGNATURE")
        return self.text(value)

    # -- VCR.py's objects ------------------------------------------------------------------
    def request(self, request: Any) -> Any:
        """A scrubbed copy of a ``vcr.request.Request``."""
        clean = copy.deepcopy(request)
        for name in list(clean.headers):
            clean.headers[name] = self.header(name, clean.headers[name])
        clean.uri = self.text(clean.uri)
        clean.body = self._bytes(clean.body)
        return clean

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """A scrubbed copy of a VCR.py response dict; tokens in token answers first, so the
        request that later carries the token gets the same placeholder."""
        clean = copy.deepcopy(response)
        body = clean.get("body", {})
        raw = body.get("string") if isinstance(body, dict) else None
        if isinstance(raw, (bytes, str)):
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            for pattern in (_TOKEN_JSON, _TOKEN_XML):
                text = pattern.sub(lambda m: m.group(1) + self.placeholder(m.group(2), "TOKEN")
                                   + m.group(3), text)
            text = self.text(text)
            body["string"] = text.encode("utf-8") if isinstance(raw, bytes) else text
        headers = clean.get("headers", {})
        for name, values in list(headers.items()):
            headers[name] = [self.header(name, v) if isinstance(v, str) else v for v in values] \
                if isinstance(values, list) else values
        return clean

    def cassette(self, data: dict[str, Any]) -> dict[str, Any]:
        """What a persister is about to save: responses first, for the token placeholders."""
        responses = [self.response(r) for r in data.get("responses", [])]
        requests = [self.request(r) for r in data.get("requests", [])]
        return {**data, "requests": requests, "responses": responses}
