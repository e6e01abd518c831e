"""Take secrets out of interactions before they are written: Basic credentials, tokens in
request headers and in token answers, legacy signatures, private keys, and known secrets.
The same secret always becomes the same placeholder (``<WALMART-TOKEN-1>``), so the
verifier can still tell that the token sent is the one issued.

Only interactions with Walmart's hosts (and the hosts the seller names, such as a local
emulator) are touched; every other one is saved exactly as recorded. Bodies stay bytes:
they are read with ``surrogateescape``, so a PDF label or any byte that is not UTF-8 comes
back unchanged, and a gzip or deflate answer is decoded, scrubbed and encoded again - or
kept as it was when there was nothing to scrub."""

from __future__ import annotations

import copy
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

from migrate.verify.content import compress, decompress
from migrate.verify.hosts import DEFAULT_HOSTS, is_walmart_host
from shim._secrets import _BARE_KEY, _PEM
from shim._wire import ACCESS_TOKEN, AUTH_SIGNATURE

__all__ = ["Scrubber"]

_TOKEN_JSON = re.compile(r'("access_token"\s*:\s*")([^"]*)(")')
_TOKEN_XML = re.compile(r"(<(?:[\w.-]+:)?accessToken(?:\s[^>]*)?>)([^<]*)(</(?:[\w.-]+:)?accessToken>)")
_CREDENTIALS = ("authorization", "proxy-authorization")
_COMPRESSED = (b"\x1f\x8b", b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")  # gzip, zlib


def _is_placeholder(value: str) -> bool:
    return value.startswith("<WALMART-") and value.endswith(">")


def _header(headers: Any, name: str) -> str | None:
    """A header from VCR.py's request headers (a dict of str) or response headers (a dict
    of lists), in any case."""
    for key, value in (headers or {}).items():
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def _set_length(headers: Any, length: int) -> None:
    for key, value in list((headers or {}).items()):
        if str(key).lower() == "content-length":
            headers[key] = [str(length)] if isinstance(value, list) else str(length)


class Scrubber:
    """One per test session: placeholders are numbered in the order secrets are first seen."""

    def __init__(self, known: tuple[str, ...] = ()) -> None:
        self.known = tuple(k for k in known if k and len(k) >= 6)
        # A secret is also written percent-encoded: a query string, a client_secret_post body.
        self._known_forms = [(form, secret) for secret in self.known
                             for form in dict.fromkeys((secret, quote(secret, safe=""),
                                                        quote_plus(secret)))]
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
        for form, secret in self._known_forms:
            if form in text:
                text = text.replace(form, self.placeholder(secret, "SECRET"))
        with self._lock:
            seen = sorted(self._placeholders.items(), key=lambda item: -len(item[0]))
        for secret, placeholder in seen:
            if secret in text:
                text = text.replace(secret, placeholder)
        return text

    def _answer_text(self, text: str) -> str:
        for pattern in (_TOKEN_JSON, _TOKEN_XML):
            text = pattern.sub(lambda m: m.group(1) + self.placeholder(m.group(2), "TOKEN")
                               + m.group(3), text)
        return self.text(text)

    def body(self, body: Any, content_encoding: str | None = None, answer: bool = False) -> Any:
        """A body scrubbed as the type it came in (bytes, str or None), byte for byte the same
        where there is nothing to scrub. ``answer``: take tokens out of token answers too."""
        scrub = self._answer_text if answer else self.text
        if isinstance(body, str):
            return scrub(body)
        if not isinstance(body, bytes) or not body:
            return body
        coding = (content_encoding or "").strip().lower()
        plain = decompress(body, coding) if coding not in ("", "identity") else body
        if plain is None and body.startswith(_COMPRESSED):
            return body  # compressed, but too large to open or cut short: left as recorded
        if plain is None:
            # VCR.py's requests recording saves the decoded body under the original
            # Content-Encoding header: scrub it as it is, and keep it decoded.
            plain, coding = body, "identity"
        clean = scrub(plain.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
        if clean == plain:
            return body
        return clean if coding in ("", "identity") else compress(clean, coding)

    # -- headers ---------------------------------------------------------------------------
    def header(self, name: str, value: str) -> str:
        lowered = name.lower()
        if lowered in _CREDENTIALS:
            scheme, _, credential = value.strip().partition(" ")
            if not credential and "\t" in scheme:
                scheme, _, credential = scheme.partition("\t")
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
        body = clean.body
        clean.body = self.body(body, _header(clean.headers, "content-encoding"))
        if clean.body is not body and isinstance(clean.body, bytes):
            _set_length(clean.headers, len(clean.body))
        return clean

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """A scrubbed copy of a VCR.py response dict; tokens in token answers first, so the
        request that later carries the token gets the same placeholder."""
        clean = copy.deepcopy(response)
        headers = clean.get("headers", {})
        body = clean.get("body", {})
        if isinstance(body, dict) and isinstance(body.get("string"), (bytes, str)):
            raw = body["string"]
            body["string"] = self.body(raw, _header(headers, "content-encoding"), answer=True)
            if body["string"] is not raw and isinstance(raw, bytes):
                _set_length(headers, len(body["string"]))
        for name, values in list(headers.items()):
            headers[name] = [self.header(name, v) if isinstance(v, str) else v for v in values] \
                if isinstance(values, list) else values
        return clean

    def cassette(self, data: dict[str, Any],
                 hosts: frozenset[str] = DEFAULT_HOSTS) -> dict[str, Any]:
        """What a persister is about to save: interactions with Walmart's hosts (and
        ``hosts``) scrubbed, responses first for the token placeholders; the rest as is."""
        requests, responses = list(data.get("requests", [])), list(data.get("responses", []))
        walmart = [i for i, r in enumerate(requests) if i < len(responses) and _to_walmart(r, hosts)]
        for i in walmart:
            responses[i] = self.response(responses[i])
        for i in walmart:
            requests[i] = self.request(requests[i])
        return {**data, "requests": requests, "responses": responses}


def _to_walmart(request: Any, hosts: frozenset[str]) -> bool:
    host = str(getattr(request, "host", "") or "")
    port = getattr(request, "port", None)
    return is_walmart_host(f"{host}:{port}" if port else host, hosts)
