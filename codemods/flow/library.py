"""What library calls compute, in abstract values: crypto (cryptography, pycryptodome, rsa,
google-auth, hmac, hashlib), base64, time, the environment, config parsers, dict/zip,
functools.partial, HTTP clients and the DigitalSignatureUtil jar.

Callees are matched by their fully qualified name *after* the import table resolved every
alias (``from Crypto.Signature import PKCS1_v1_5 as pkcs`` makes ``pkcs.new`` into
``Crypto.Signature.PKCS1_v1_5.new``), by suffix, so re-exports and aliases are one thing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from codemods.flow.values import (
    NOWHERE,
    CallV,
    Config,
    Digest,
    Entry,
    Env,
    FileText,
    Framed,
    Instance,
    Item,
    JarOut,
    Key,
    Lit,
    Loc,
    Mapping,
    Num,
    Opaque,
    Partial,
    Seq,
    Sig,
    Signer,
    Text,
    Time,
    Value,
    Via,
    Zip,
)

__all__ = ["call_library", "call_method", "dict_call", "rollout_signature", "signed_data", "strip"]

_JAR = "DigitalSignatureUtil"

# Calls that hand their first argument back in another type or framing.
_FRAMING = ("base64.b64encode", "base64.b64decode", "base64.standard_b64encode",
            "base64.standard_b64decode", "base64.urlsafe_b64encode", "base64.urlsafe_b64decode",
            "base64.encodebytes", "base64.decodebytes", "base64.encodestring",
            "base64.decodestring", "binascii.b2a_base64", "binascii.a2b_base64",
            "binascii.hexlify", "binascii.unhexlify")
_PASS = ("builtins.str",
         "builtins.bytes", "builtins.int", "builtins.round", "builtins.float", "builtins.list",
         "builtins.tuple", "textwrap.dedent", "math.floor", "math.ceil", "builtins.bytearray",
         "codecs.encode", "codecs.decode", "urllib.parse.quote", "builtins.format")
_TIME = ("time.time", "time.time_ns", "datetime.now", "datetime.utcnow", "datetime.today",
         "calendar.timegm", "time.mktime", "arrow.utcnow", "arrow.now", "pendulum.now")
_KEY_LOADERS = ("load_pem_private_key", "load_der_private_key", "load_ssh_private_key",
                "RSA.importKey", "RSA.import_key", "PrivateKey.load_pkcs1", "PrivateKey.load_pkcs1_der",
                "jwk.JWK.from_pem", "load_privatekey")
_SIGNER_FACTORIES = {"PKCS1_v1_5.new": "pycryptodome", "pkcs1_15.new": "pycryptodome",
                     "PKCS1_PSS.new": "pycryptodome", "pss.new": "pycryptodome",
                     "RSASigner.from_string": "google-auth"}
_HASHES = ("SHA256.new", "SHA.new", "SHA1.new", "SHA512.new", "MD5.new", "hashes.Hash")
_FAKE_HASHES = ("hashlib.sha256", "hashlib.sha1", "hashlib.sha512", "hashlib.md5", "hashlib.new",
                "hashlib.blake2b")
_CONFIG_LOADERS = {"json.load": "json", "json.loads": "json", "yaml.safe_load": "yaml",
                   "yaml.load": "yaml", "yaml.full_load": "yaml", "tomllib.load": "toml",
                   "tomllib.loads": "toml", "tomli.load": "toml", "tomli.loads": "toml",
                   "toml.load": "toml", "toml.loads": "toml", "dotenv.dotenv_values": "dotenv",
                   "dotenv.main.dotenv_values": "dotenv"}
_CLIENTS = ("requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
            "httpx.AsyncClient", "aiohttp.ClientSession", "urllib.request.Request",
            "configparser.ConfigParser", "configparser.RawConfigParser", "pathlib.Path",
            "pathlib.PurePath", "http.client.HTTPSConnection", "http.client.HTTPConnection",
            "requests.Request", "httpx.Request")
_SUBPROCESS = ("subprocess.check_output", "subprocess.run", "subprocess.Popen", "subprocess.call",
               "subprocess.getoutput", "subprocess.check_call", "os.popen",
               "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell")


def strip(value: Value) -> Value:
    """The value itself, without the carriers it was read through or its re-encoding."""
    while isinstance(value, (Via, Framed)):
        value = value.value
    return value


def _ends(name: str, *suffixes: str) -> bool:
    return any(name == s or name.endswith("." + s) for s in suffixes)


def _arg(args: tuple[Value, ...], kwargs: dict[str, Value], index: int, *names: str) -> Value | None:
    if index < len(args):
        return args[index]
    for name in names:
        if name in kwargs:
            return kwargs[name]
    return None


def _text(value: Value) -> str | None:
    value = strip(value)
    return value.text if isinstance(value, Lit) else None


def _jar(command: Value, loc: Loc) -> Value | None:
    """The jar's arguments, from a command list or a shell string."""
    command = strip(command)
    if isinstance(command, Seq):
        texts = [_text(item) for item in command.items]
        if not any(t and _JAR in t for t in texts):
            return None
        start = next((i for i, t in enumerate(texts) if t == _JAR), None)
        fields = command.items[start + 1:start + 5] if start is not None else ()
        return JarOut(tuple(fields) if len(fields) == 4 else (), loc)
    if isinstance(command, Text):
        literal = "".join(p.text for p in command.parts if isinstance(p, Lit))
        if _JAR not in literal:
            return None
        fields = tuple(p for p in command.parts if not isinstance(strip(p), Lit))[:4]
        return JarOut(fields if len(fields) == 4 else (), loc)
    if isinstance(command, Lit) and _JAR in command.text:
        return JarOut((), loc)
    return None


def call_library(name: str, args: tuple[Value, ...], kwargs: dict[str, Value],
                 loc: Loc) -> Value | None:
    """A call of a library function by its qualified name; None when it is not one we know."""
    first = _arg(args, kwargs, 0)
    if _ends(name, "os.getenv", "os.environ.get", "os.environ.__getitem__", "environ.get",
             "os.environ.setdefault"):
        return Env(_text(first) or "") if first is not None else None
    if name in ("dataclasses.field", "field"):  # a dataclass field's default
        if "default" in kwargs:
            return kwargs["default"]
        if "default_factory" in kwargs:
            return CallV(kwargs["default_factory"], (), (), loc)
        return Opaque("a field with no default")
    if _ends(name, *_FRAMING):
        return Framed(first, name.rpartition(".")[2]) if first is not None else Opaque(name)
    if _ends(name, *_PASS):
        return first if first is not None else Opaque(name)
    if _ends(name, *_TIME):
        return Time()
    if _ends(name, *_KEY_LOADERS):
        return Key(first if first is not None else Opaque("no key"), loc)
    for suffix, style in _SIGNER_FACTORIES.items():
        if _ends(name, suffix):
            key = first if first is not None else Opaque("no key")
            return Signer(Key(key, loc) if style == "google-auth" else key, style)
    if _ends(name, "hashes.Hash"):  # cryptography: fed with update(), then finalize()
        return Digest(Text(()))
    if _ends(name, *_HASHES):
        return Digest(first if first is not None else Text(()))
    if _ends(name, "rsa.compute_hash", "rsa.pkcs1.compute_hash"):
        return Digest(first if first is not None else Text(()))
    if _ends(name, "rsa.sign_hash", "rsa.pkcs1.sign_hash"):
        digest = strip(first) if first is not None else None
        over = digest.over if isinstance(digest, Digest) else (first or Opaque(""))
        return Sig("rsa", over, _arg(args, kwargs, 1, "priv_key") or Opaque(""), loc)
    if _ends(name, "rsa.sign", "rsa.pkcs1.sign"):
        return Sig("rsa", first or Opaque(""), _arg(args, kwargs, 1, "priv_key") or Opaque(""), loc)
    if _ends(name, "hmac.new", "hmac.HMAC", "hmac.digest"):
        message = _arg(args, kwargs, 1, "msg")
        return Sig("hmac", message if message is not None else Text(()), first or Opaque(""), loc)
    if _ends(name, *_FAKE_HASHES):
        return Digest(first if first is not None else Text(()), "hashlib")
    if _ends(name, "shim.auth_headers", "shim.aauth_headers"):
        return rollout_signature(kwargs, loc)
    if _ends(name, "functools.partial", "partial"):
        if first is None:
            return None
        return Partial(first, args[1:], tuple((k, v) for k, v in kwargs.items() if k != "**"))
    if name in ("builtins.dict", "dict"):
        return dict_call(args, kwargs.items(), loc)
    if name in ("builtins.zip", "zip") and len(args) == 2:
        return Zip(args[0], args[1])
    for suffix, form in _CONFIG_LOADERS.items():
        if _ends(name, suffix):
            return Config(first if first is not None else Lit(".env"), form)
    if _ends(name, "builtins.open", "io.open", "codecs.open"):
        return FileText(first if first is not None else Opaque("a file"))
    if _ends(name, *_SUBPROCESS) and first is not None:
        return _jar(first, loc) or Opaque("a subprocess")
    if _ends(name, "uuid.uuid4", "uuid.uuid1", "secrets.token_hex"):
        return Opaque("a uuid")
    if _ends(name, "shlex.split"):
        return first
    if _ends(name, *_CLIENTS):
        return Instance(_client_name(name), args, tuple(kwargs.items()), loc)
    if _ends(name, "textwrap.wrap", "textwrap.fill"):
        return Seq((first,)) if first is not None and name.endswith("wrap") else first
    return None


def rollout_signature(kwargs: dict[str, Value], loc: Loc) -> Value:
    """``shim.auth_headers(consumer_id=..., private_key=..., url=..., method=...)`` left by a
    rollout run: the Marketplace signature still, with its legacy credentials named."""
    consumer = kwargs.get("consumer_id", Opaque("no consumer id"))
    key = kwargs.get("private_key", Opaque("no private key"))
    url = kwargs.get("url", Opaque("the url"))
    method = kwargs.get("method", Opaque("the method"))
    over = Text((consumer, Lit("\n"), url, Lit("\n"), method, Lit("\n"), Time(), Lit("\n")))
    return Sig("rollout", over, Key(key, loc), loc)


def _behind(holder: Value, value: Value) -> Value:
    """``value`` behind the carriers ``holder`` was read through (the key inside a signer
    kept on an attribute is still read through that attribute)."""
    if isinstance(holder, Via):
        import dataclasses

        return dataclasses.replace(holder, value=_behind(holder.value, value))
    return value


def _client_name(name: str) -> str:
    for client in _CLIENTS:
        if _ends(name, client):
            return client
    return name


def dict_call(args: Sequence[Value], kwargs: Iterable[tuple[str, Value]], loc: Loc,
              where: dict[str, Loc] | None = None) -> Mapping:
    """``dict(base, key=value, **more)``. A keyword is an entry placed at its name when the
    call's text is at hand (``where``), so a rename can rewrite it as it does a quoted key;
    without a position, a rename cannot place it."""
    entries = tuple(Entry(Lit(key), value, (where or {}).get(key, NOWHERE))
                    for key, value in kwargs if key != "**")
    spreads = (*args, *(value for key, value in kwargs if key == "**"))
    return Mapping(entries, spreads, loc)


def signed_data(first: Value) -> Value:
    """What a ``sign(...)`` call covers: a digest made beforehand (``Prehashed``, a
    ``SHA256.new()`` fed in steps) signs the text it covers."""
    over = strip(first)
    return over.over if isinstance(over, Digest) else first


def _interleave(template: str, values: tuple[Value, ...], marker: str) -> Value:
    pieces = template.split(marker)
    if len(pieces) - 1 != len(values):
        return Text((Lit(template), *values))
    parts: list[Value] = [Lit(pieces[0])]
    for value, piece in zip(values, pieces[1:]):
        parts.extend((value, Lit(piece)))
    return Text(tuple(parts))


def format_text(template: str, values: tuple[Value, ...]) -> Value:
    """``"{}\\n{}".format(a, b)`` and ``"%s\\n%s" % (a, b)`` as text pieces."""
    import re

    marker = "\x00"
    if "{" in template:
        spec = re.sub(r"\{[^{}]*\}", marker, template)
    else:
        spec = re.sub(r"%[-#0 +]*\d*(?:\.\d+)?[sdirf]", marker, template)
    return _interleave(spec, values, marker)


def join_text(separator: str, items: Value) -> Value:
    items = strip(items)
    if isinstance(items, Seq):
        parts: list[Value] = []
        for index, item in enumerate(items.items):
            if index:
                parts.append(Lit(separator))
            parts.append(item)
        return Text(tuple(parts))
    # Pieces we cannot list (slices of a key wrapped at 64 columns): something made from
    # them, never the same text (a secret wrapped that way would be broken)
    return Framed(items, "join")


def call_method(receiver: Value, method: str, args: tuple[Value, ...],
                kwargs: dict[str, Value], loc: Loc) -> Value | None:
    """A method of a value we know the kind of; None when we cannot tell."""
    inner = strip(receiver)
    first = _arg(args, kwargs, 0)
    if isinstance(inner, Lit):
        if method == "join" and first is not None:
            return join_text(inner.text, first)
        if method == "format":
            return format_text(inner.text, args)
        if method in ("upper", "lower", "strip", "rstrip", "lstrip"):
            return Lit(getattr(inner.text, method)())
        if method in ("encode", "decode", "value"):
            return inner
        return None
    if isinstance(inner, Key) and method == "sign" and first is not None:
        return Sig("cryptography", signed_data(first), receiver, loc)
    if isinstance(inner, Signer) and method == "sign" and first is not None:
        return Sig(inner.style, signed_data(first), _behind(receiver, inner.key), loc)
    if isinstance(inner, Digest) and method in ("hexdigest", "digest", "hex"):
        return Sig("hash", inner.over, Opaque("no key"), loc)
    if isinstance(inner, Digest) and method in ("copy", "finalize"):
        return inner
    if isinstance(inner, (Sig, JarOut, Time, FileText)):
        return inner  # decode(), hexdigest(), split(), read(), timestamp()...
    if isinstance(inner, Mapping):
        if method in ("items", "copy"):
            return receiver
        if method == "get" and first is not None:
            return Item(receiver, first)
        return None
    if method in ("get", "__getitem__") and first is not None and _from_config(inner):
        return Item(receiver, first)  # a file's key, or a section's (configparser)
    if isinstance(inner, Instance):
        if inner.cls in ("pathlib.Path", "pathlib.PurePath") and method in (
                "read_text", "read_bytes", "open"):
            return FileText(inner.args[0] if inner.args else Opaque("a path"))
        if inner.cls in ("pathlib.Path", "pathlib.PurePath") and method in (
                "expanduser", "resolve", "absolute", "with_suffix"):
            return receiver
        if inner.cls.startswith("configparser.") and method == "get" and len(args) >= 2:
            return Item(Item(receiver, args[0]), args[1])
        return None
    if method in ("encode", "decode", "strip", "rstrip", "lstrip", "replace", "upper", "lower",
                  "format", "casefold"):
        return receiver  # a credential, URL or method changes form, not meaning
    if method in ("split", "splitlines"):
        return Seq((receiver,))  # joined again later: the same text in other framing
    return None


def _from_config(value: Value) -> bool:
    """A configuration file, or a section or table read from one."""
    for _ in range(8):
        if isinstance(value, Config) or (
                isinstance(value, Instance) and value.cls.startswith("configparser.")):
            return True
        if not isinstance(value, Item):
            return False
        value = strip(value.base)
    return False


__all__ += ["format_text", "join_text"]
_ = (CallV, Num)
