"""Recognition: what a header value *is*, from what flowed into it.

A Marketplace signature is RSA-SHA256 over ``consumer id \\n url \\n METHOD \\n timestamp \\n``
with a key loaded from a private-key credential (or the DigitalSignatureUtil jar given those
four); an affiliate / ads signature covers three fields (consumer id, intimestamp, key
version); an HMAC or a plain hash is a home-made look-alike. Which of them a value is comes
from its abstract value, however many helpers, objects and aliases it passed through."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codemods.flow.library import strip
from codemods.flow.values import (
    Alt,
    Config,
    Derived,
    Env,
    Field,
    FileText,
    Framed,
    Global,
    Instance,
    Item,
    JarOut,
    Key,
    Lit,
    Loc,
    Local,
    Mapping,
    Num,
    Opaque,
    Param,
    Partial,
    Ref,
    Self,
    SelfAttr,
    Seq,
    Sig,
    Signer,
    Text,
    Time,
    Unknown,
    Value,
    Via,
)

__all__ = ["Signature", "canada_text", "credential_root", "describe", "read_signature", "render"]

RSA_STYLES = ("cryptography", "pycryptodome", "rsa", "google-auth", "rollout")
_CANADA = re.compile(r"/v[23]/ca(?:/|$|\?|\{\})|WALMART\.CA", re.IGNORECASE)
_SUPPLIER = re.compile(r"api-gateway\.walmart\.com|/dsv/|drop[-_ ]?ship", re.IGNORECASE)
_ADS = re.compile(r"advertising\.walmart\.com|/api-proxy/service/(?:WPA|sp)/|walmart\s*connect",
                  re.IGNORECASE)
_AFFILIATE = re.compile(r"developer\.api\.walmart\.com|/api-proxy/service/affil|walmart\.io",
                        re.IGNORECASE)


@dataclass
class Signature:
    """What the value under ``WM_SEC.AUTH_SIGNATURE`` is.

    kind: ``marketplace`` (four fields, RSA or the jar), ``three-fields`` (the affiliate /
    ads scheme), ``fake`` (HMAC or a plain hash), ``cached`` (a signature kept on an object
    or in a global and reused), ``parameter`` (handed in by a caller that cannot be
    followed), ``unknown``."""

    kind: str
    style: str = ""
    consumer: Value | None = None
    url: Value | None = None
    method: Value | None = None
    timestamp: Value | None = None
    key: Value | None = None  # the credential the key was loaded from, carriers kept
    why: str = ""
    loc: Loc | None = None  # the signing call
    fields: tuple[Value, ...] = ()
    jar: bool = False
    options: list[Signature] = field(default_factory=list)


def render(value: Value, depth: int = 0) -> str:
    """Text with ``{}`` for what is not a literal: for URL and tenant evidence."""
    inner = strip(value)
    if depth > 8:
        return "{}"
    if isinstance(inner, Lit):
        return inner.text
    if isinstance(inner, Text):
        return "".join(render(p, depth + 1) for p in inner.parts)
    if isinstance(inner, Alt):
        return "|".join(render(o, depth + 1) for o in inner.options)
    return "{}"


def canada_text(text: str) -> bool:
    return bool(_CANADA.search(text))


def lookalike_url(text: str) -> str | None:
    """The look-alike scheme a URL belongs to, if any."""
    if canada_text(text):
        return "canada-signature"
    if _SUPPLIER.search(text):
        return "supplier-signature"
    if _ADS.search(text) or _AFFILIATE.search(text):
        return "affiliate-signature"
    return None


def _fields(over: Value) -> list[list[Value]] | None:
    """The pieces of signed text between line feeds; None when it is not text we can read."""
    inner = strip(over)
    if isinstance(inner, Lit):
        parts: tuple[Value, ...] = (inner,)
    elif isinstance(inner, Text):
        parts = inner.parts
    else:
        return None
    segments: list[list[Value]] = [[]]
    for part in parts:
        piece = strip(part)
        if isinstance(piece, Lit):
            chunks = piece.text.split("\n")
            for index, chunk in enumerate(chunks):
                if index:
                    segments.append([])
                if chunk:
                    segments[-1].append(Lit(chunk))
        elif isinstance(piece, Text) and not any(
                isinstance(strip(p), Lit) and "\n" in strip(p).text for p in piece.parts):  # type: ignore[union-attr]
            segments[-1].append(part)  # one piece (a URL built elsewhere), carriers kept
        elif isinstance(piece, Text):
            nested = _fields(piece)
            if nested is None:
                return None
            segments[-1].extend(nested[0])
            for more in nested[1:]:
                segments.append(list(more))
        else:
            segments[-1].append(part)
    return segments


def _single(segment: list[Value]) -> Value:
    if len(segment) == 1:
        return segment[0]
    return Text(tuple(segment))


def read_signature(value: Value) -> Signature:
    """What a header value is, as a signature."""
    while isinstance(value, Via) and isinstance(value.carrier, Local):
        value = value.value
    if isinstance(value, Via) and isinstance(value.carrier, (SelfAttr, Global, Field)) and \
            isinstance(strip(value), (Sig, JarOut)):
        return Signature("cached", why=f"{describe(value.carrier)} holds a signature computed once "
                                       "and reused across requests (it expires within minutes)",
                         loc=strip(value).loc)  # type: ignore[union-attr]
    inner = strip(value)
    if isinstance(inner, Alt):
        options = [read_signature(o) for o in inner.options
                   if not isinstance(strip(o), Opaque)]
        kinds = {o.kind for o in options}
        if len(kinds) == 1 and options:
            first = options[0]
            first.options = options
            return first
        return Signature("unknown", why="the signature is computed in different ways on different "
                                        "paths", options=options)
    if isinstance(inner, Sig):
        return _sig(inner)
    if isinstance(inner, JarOut):
        if len(inner.fields) != 4:
            return Signature("unknown", style="jar", jar=True, loc=inner.loc,
                             why="the DigitalSignatureUtil command is not url, consumer id, key, "
                                 "method")
        url, consumer, key, method = inner.fields
        return Signature("marketplace", "jar", consumer, url, method, None, key, loc=inner.loc,
                         jar=True, fields=inner.fields)
    if isinstance(inner, Param):
        return Signature("parameter", why=f"the signature arrives as the parameter {inner.name!r}; "
                                          "its caller signs, which cannot be followed safely")
    if isinstance(inner, Unknown):
        where = f" (line {inner.loc[1]} of {inner.loc[0]})" if inner.loc[1] else ""
        return Signature("unknown", why=f"cannot follow how the signature is computed: "
                                        f"{inner.why}{where}", loc=inner.loc if inner.loc[1] else None)
    if isinstance(inner, Lit):
        return Signature("fake", "literal", why="the signature is a fixed string")
    if isinstance(inner, Derived):
        where = f" (line {inner.loc[1]} of {inner.loc[0]})" if inner.loc[1] else ""
        return Signature("unknown", why=f"the signature comes from {inner.what}, which this tool "
                                        f"does not follow{where}")
    return Signature("unknown", why=f"the signature is {describe(inner)}, not an RSA signature")


def _sig(sig: Sig) -> Signature:
    if sig.style in ("hmac", "hash"):
        return Signature("fake", sig.style, loc=sig.loc,
                         why=f"a {'HMAC' if sig.style == 'hmac' else 'plain hash'}, not an RSA signature")
    segments = _fields(sig.over)
    key = sig.key  # carriers kept: a rewrite follows them
    if segments is None:
        return Signature("unknown", sig.style, key=key, loc=sig.loc,
                         why=f"cannot tell what text is signed ({describe(sig.over)})")
    if segments and not segments[-1]:
        segments = segments[:-1]
        fields = [_single(s) for s in segments]
        if len(fields) == 4 and all(segments):
            consumer, url, method, timestamp = fields
            return Signature("marketplace", sig.style, consumer, url, method, timestamp, key,
                             loc=sig.loc, fields=tuple(fields))
        if len(fields) == 3 and all(segments):
            return Signature("three-fields", sig.style, fields[0], key=key, loc=sig.loc,
                             fields=tuple(fields))
    return Signature("unknown", sig.style, key=key, loc=sig.loc,
                     why="the signed text is not consumer id, URL, method and timestamp, each "
                         "followed by a line feed")


def credential_root(value: Value) -> Value:
    """Through a loaded key or signer, and the framing put around a key (PEM armour,
    base64, whitespace), to the value the credential was read from - carriers kept."""
    for _ in range(16):
        inner = strip(value)
        if isinstance(inner, (Key, Signer)):
            value = inner.of if isinstance(inner, Key) else inner.key
            continue
        if isinstance(inner, Text):
            pieces = [p for p in inner.parts if not isinstance(strip(p), Lit)]
            if len(pieces) == 1:
                value = pieces[0]
                continue
        if isinstance(inner, Seq) and len(inner.items) == 1:
            value = inner.items[0]
            continue
        if isinstance(inner, Derived):
            from codemods.flow.credentials import carries_value

            pieces = [p for p in inner.inputs if carries_value(p)]
            if len(pieces) == 1:
                value = pieces[0]
                continue
        if isinstance(inner, Alt):
            roots = {credential_root(o) for o in inner.options
                     if not _is_framing(strip(o))}
            if len(roots) == 1:
                return roots.pop()
        return value
    return value


def _is_framing(value: Value) -> bool:
    return isinstance(value, (Opaque, Lit))


def _path_origin(path: Value) -> str:
    """Where a file's path comes from, when a name alone does not say it."""
    inner = strip(path)
    options = inner.options if isinstance(inner, Alt) else (inner,)
    variables = [o.variable for o in map(strip, options) if isinstance(o, Env) and o.variable]
    defaults = [o.text for o in map(strip, options) if isinstance(o, Lit)]
    if not variables:
        return ""
    default = f", default {defaults[0]}" if defaults else ""
    return f" (${variables[0]}{default})"


def describe(value: Value, depth: int = 0) -> str:
    """A value in the seller's words, for messages."""
    if depth > 6:
        return "..."
    if isinstance(value, Via):
        if isinstance(value.carrier, Local):
            return value.carrier.name
        return describe(value.carrier, depth + 1)
    if isinstance(value, Param):
        return value.name
    if isinstance(value, Framed):
        return describe(value.value, depth + 1)
    if isinstance(value, SelfAttr):
        return f"self.{value.name}"
    if isinstance(value, Self):
        return "self"
    if isinstance(value, Global):
        return value.name
    if isinstance(value, Env):
        return value.code or f"os.environ[{value.variable!r}]"
    if isinstance(value, Item):
        return value.code or f"{describe(value.base, depth + 1)}[...]"
    if isinstance(value, Field):
        return f"{describe(value.base, depth + 1)}.{value.name}"
    if isinstance(value, Ref):
        return value.qualname.rpartition(".")[2]
    if isinstance(value, Lit):
        return repr(value.text)
    if isinstance(value, Time):
        return "the time"
    if isinstance(value, Key):
        return f"a key loaded from {describe(value.of, depth + 1)}"
    if isinstance(value, FileText):
        return f"the file at {describe(value.path, depth + 1)}"
    if isinstance(value, Config):
        source = strip(value.source)
        where = source.path if isinstance(source, FileText) else value.source  # json.load(open(p))
        kind = {"dotenv": ".env"}.get(value.format, value.format.upper())
        origin = _path_origin(where)
        if origin and not isinstance(where, Via):  # open(path or os.environ[...])
            return f"the {kind} file at {origin.strip(' ()')}"
        return f"the {kind} file {describe(where, depth + 1)}{_path_origin(where)}"
    if isinstance(value, Instance):
        return f"a {value.cls.rpartition('.')[2]} object"
    if isinstance(value, Partial):
        return f"a partial of {describe(value.func, depth + 1)}"
    if isinstance(value, Unknown):
        return value.why
    if isinstance(value, Derived):
        return f"{value.what[:-2]}(...)"
    if isinstance(value, (Mapping, Seq)):
        return "a collection"
    if isinstance(value, Num):
        return "a number"
    return "a value this tool cannot name"
