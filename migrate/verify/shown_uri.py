"""URIs as reports show them: a report must not repeat the secret a rule found, nor carry
one a URI happened to hold."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

__all__ = ["shown_uri"]

_CREDENTIAL_PARAMS = ("secret", "token", "password", "passwd", "signature", "sig", "key", "auth")


def _names_a_credential(name: str) -> bool:
    """By the words of the name (``client_secret``, ``apiKey``, ``X-Auth``), not by letters
    inside another word (``design`` is not a signature)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", spaced) if w]
    return any(w == word or (len(word) > 3 and w.endswith(word)) or w.startswith("auth")
               for w in words for word in _CREDENTIAL_PARAMS)


def shown_uri(uri: str, every_value: bool = False) -> str:
    """The URI as reports show it: no password in the user info, and no value of a query
    parameter named like a credential (or of any parameter, when a secret was found in the
    query string and its name says nothing)."""
    try:
        parts = urlsplit(uri)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return "<a URI that cannot be parsed>"
    user, at, host = parts.netloc.rpartition("@")
    netloc = f"{user.partition(':')[0]}:***@{host}" if at and ":" in user else parts.netloc
    hidden = [every_value or _names_a_credential(name) for name, _ in pairs]
    if netloc == parts.netloc and not any(hidden):
        return uri
    query = "&".join(f"{quote(name, safe='')}={'***' if hide else quote(value, safe='')}"
                     for (name, value), hide in zip(pairs, hidden)) if any(hidden) else parts.query
    return urlunsplit(parts._replace(netloc=netloc, query=query))
