"""What legacy signing code is made of, recognised structurally (not by name): the signed
string and its fields, the RSA sign call, the key load, the base64 step, header names,
and the places credentials live."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Union

import libcst as cst

from tests.metamorphic.syntax import Parsed, walk

LEGACY_NAMES = ("WM_SEC.AUTH_SIGNATURE", "WM_SEC.TIMESTAMP", "WM_CONSUMER.ID")
OTHER_NAMES = ("WM_CONSUMER.INTIMESTAMP", "WM_SEC.KEY_VERSION", "WM_SVC.NAME",
               "WM_QOS.CORRELATION_ID")
MEMBER = {"WM_SEC.AUTH_SIGNATURE": "SIGNATURE", "WM_SEC.TIMESTAMP": "TIMESTAMP",
          "WM_CONSUMER.ID": "CONSUMER_ID", "WM_CONSUMER.INTIMESTAMP": "INTIMESTAMP",
          "WM_SEC.KEY_VERSION": "KEY_VERSION", "WM_SVC.NAME": "SERVICE",
          "WM_QOS.CORRELATION_ID": "CORRELATION_ID"}
SHORT = {"WM_SEC.AUTH_SIGNATURE": "SIG", "WM_SEC.TIMESTAMP": "TS", "WM_CONSUMER.ID": "CID",
         "WM_CONSUMER.INTIMESTAMP": "INTS", "WM_SEC.KEY_VERSION": "KEY_VERSION",
         "WM_SVC.NAME": "SVC", "WM_QOS.CORRELATION_ID": "CORRELATION"}
KEY_LOADERS = ("load_der_private_key", "load_pem_private_key", "importKey", "import_key",
               "load_pkcs1", "load_pkcs1_openssl_pem", "from_string")
CREDENTIAL = re.compile(r"consumer_?id|private_?key", re.IGNORECASE)
CREDENTIAL_ENV = re.compile(r"CONSUMER_ID|PRIVATE_KEY")

Field = Union[cst.BaseExpression, str]  # an expression, or literal text


def text_of(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def header_name(node: cst.CSTNode, names: tuple[str, ...] = LEGACY_NAMES) -> str | None:
    """The canonical header name a string literal spells (any case), or None."""
    value = text_of(node)
    if value is None:
        return None
    return next((n for n in names if n.lower() == value.lower()), None)


def header_literals(parsed: Parsed, names: tuple[str, ...] = LEGACY_NAMES,
                    within: cst.CSTNode | None = None) -> list[cst.SimpleString]:
    """String literals spelling a header name, docstrings aside."""
    found = []
    for node in parsed.find(cst.SimpleString, within):
        if header_name(node, names) and not isinstance(parsed.parent(node), cst.Expr):
            found.append(node)
    return found


# -- the signed string -------------------------------------------------------------------

@dataclass
class SignedString:
    node: cst.BaseExpression
    form: str  # f-string | percent | format | plus | join
    fields: list[Field]


def _unescape(text: str) -> str:
    return codecs.decode(text, "unicode_escape")


def _tokens(node: cst.BaseExpression) -> list[Field] | None:
    """String pieces and expressions, in order, of an f-string or a ``+`` chain."""
    if isinstance(node, cst.SimpleString):
        value = text_of(node)
        return None if value is None else [value]
    if isinstance(node, cst.FormattedString):
        if node.prefix.lower() != "f":
            return None
        pieces: list[Field] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(_unescape(part.value.replace("{{", "{").replace("}}", "}")))
            elif isinstance(part, cst.FormattedStringExpression) and part.conversion is None \
                    and part.format_spec is None and part.equal is None:
                pieces.append(part.expression)
            else:
                return None
        return pieces
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = _tokens(node.left), _tokens(node.right)
        return None if left is None or right is None else left + right
    return [node]


def _split_format(fmt: str, placeholder: str, escapes: dict[str, str],
                  values: list[cst.BaseExpression]) -> list[Field] | None:
    pieces: list[Field] = []
    rest = list(values)
    index = 0
    literal = ""
    while index < len(fmt):
        if fmt.startswith(placeholder, index):
            if not rest:
                return None
            pieces.extend([literal, rest.pop(0)])
            literal, index = "", index + len(placeholder)
            continue
        escape = next((e for e in escapes if fmt.startswith(e, index)), None)
        if escape:
            literal, index = literal + escapes[escape], index + len(escape)
            continue
        if fmt[index] in "%{}" and placeholder[0] == fmt[index]:
            return None  # a directive this parser does not model
        literal, index = literal + fmt[index], index + 1
    pieces.append(literal)
    return None if rest else pieces


def _pieces(node: cst.BaseExpression) -> tuple[str, list[Field]] | None:
    if isinstance(node, cst.FormattedString):
        tokens = _tokens(node)
        return ("f-string", tokens) if tokens else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        fmt = text_of(node.left)
        if fmt is None:
            return None
        right = node.right
        values = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        pieces = _split_format(fmt, "%s", {"%%": "%"}, values)
        return ("percent", pieces) if pieces else None
    if (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "format"):
        fmt = text_of(node.func.value)
        if fmt is None or any(a.keyword or a.star for a in node.args):
            return None
        pieces = _split_format(fmt, "{}", {"{{": "{", "}}": "}"}, [a.value for a in node.args])
        return ("format", pieces) if pieces else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        joined = node.left
        if (text_of(node.right) == "\n" and isinstance(joined, cst.Call)
                and isinstance(joined.func, cst.Attribute) and joined.func.attr.value == "join"
                and text_of(joined.func.value) == "\n" and len(joined.args) == 1
                and isinstance(joined.args[0].value, (cst.List, cst.Tuple))):
            elements = joined.args[0].value.elements
            if any(not isinstance(e, cst.Element) for e in elements):
                return None
            pieces = []
            for element in elements:
                value = text_of(element.value)
                pieces.extend([value if value is not None else element.value, "\n"])
            return "join", pieces
        tokens = _tokens(node)
        return ("plus", tokens) if tokens else None
    return None


def signed_string(node: cst.CSTNode) -> SignedString | None:
    """Fields joined by LF with a trailing LF - the legacy string to sign, in any spelling."""
    if not isinstance(node, cst.BaseExpression):
        return None
    found = _pieces(node)
    if found is None:
        return None
    form, pieces = found
    fields: list[Field] = []
    current: list[Field] = []
    for piece in pieces:
        if isinstance(piece, str):
            lines = piece.split("\n")
            for i, line in enumerate(lines):
                if line:
                    current.append(line)
                if i < len(lines) - 1:
                    if len(current) != 1:
                        return None
                    fields.append(current[0])
                    current = []
        else:
            current.append(piece)
    if current or len(fields) < 3:
        return None
    if sum(not isinstance(f, str) for f in fields) < 2:
        return None
    return SignedString(node, form, fields)


def signed_strings(parsed: Parsed, within: cst.CSTNode | None = None) -> list[SignedString]:
    key = ("signed_strings", id(within))
    if key not in parsed.memo:
        parsed.memo[key] = _signed_strings(parsed, within)
    return list(parsed.memo[key])


def _signed_strings(parsed: Parsed, within: cst.CSTNode | None) -> list[SignedString]:
    found = []
    taken: set[int] = set()
    for node in parsed.walk(within or parsed.module):
        if id(node) in taken:
            continue
        signed = signed_string(node)
        if signed is not None:
            found.append(signed)
            taken.update(id(n) for n in walk(node))
    return found


ATOMS = (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.SimpleString, cst.Integer)


def _quote(text: str, quote: str = '"') -> str:
    escaped = text.replace("\\", "\\\\").replace("\n", "\\n").replace(quote, "\\" + quote)
    return quote + escaped + quote


def render(fields: list[str | tuple[str]], form: str) -> str | None:
    """Source for the signed string in ``form``; a field is code, or ``(text,)`` literal."""
    def code(f: str | tuple[str]) -> str:
        return _quote(f[0]) if isinstance(f, tuple) else f

    if form == "f-string":
        codes = [f for f in fields if isinstance(f, str)]
        quote = next((q for q in ('"', "'") if not any(q in c for c in codes)), None)
        if quote is None or any("\\" in c or "\n" in c or "{" in c for c in codes):
            return None
        body = "".join(
            (_quote(f[0], quote)[1:-1].replace("{", "{{").replace("}", "}}")
             if isinstance(f, tuple) else "{" + f + "}") + "\\n" for f in fields)
        return f"f{quote}{body}{quote}"
    if form == "percent":
        fmt = "".join((f[0].replace("%", "%%") if isinstance(f, tuple) else "%s") + "\n"
                      for f in fields)
        values = [f for f in fields if isinstance(f, str)]
        return f"{_quote(fmt)} % ({', '.join(values)}{',' if len(values) == 1 else ''})"
    if form == "format":
        fmt = "".join((f[0].replace("{", "{{").replace("}", "}}") if isinstance(f, tuple)
                       else "{}") + "\n" for f in fields)
        return f"{_quote(fmt)}.format({', '.join(f for f in fields if isinstance(f, str))})"
    if form == "plus":
        parts: list[str] = []
        pending = ""  # literal text not yet written out
        for f in fields:
            if isinstance(f, tuple):
                pending += f[0] + "\n"
                continue
            if pending:
                parts.append(_quote(pending))
            parts.append(f)
            pending = "\n"
        return " + ".join([*parts, _quote(pending)])
    if form == "join":
        return f'"\\n".join([{", ".join(code(f) for f in fields)}]) + "\\n"'
    raise ValueError(form)


def field_codes(parsed: Parsed, signed: SignedString) -> list[str | tuple[str]]:
    codes: list[str | tuple[str]] = []
    for f in signed.fields:
        if isinstance(f, str):
            codes.append((f,))
        else:
            text = parsed.code(f)
            codes.append(text if isinstance(f, ATOMS) and not f.lpar else f"({text})")
    return codes


# -- signing calls ---------------------------------------------------------------------------

@dataclass
class SignCall:
    call: cst.Call
    kind: str  # cryptography | pycryptodome | rsa | google
    key: cst.BaseExpression
    data: cst.BaseExpression  # the bytes; a hash object for pycryptodome


def sign_call(parsed: Parsed, node: cst.CSTNode) -> SignCall | None:
    if not isinstance(node, cst.Call) or any(a.star for a in node.args):
        return None
    func, args = node.func, node.args
    if parsed.qname(func) == "rsa.sign" and len(args) == 3:
        return SignCall(node, "rsa", args[1].value, args[0].value)
    if not (isinstance(func, cst.Attribute) and func.attr.value == "sign"):
        return None
    receiver = func.value
    if len(args) == 3 and not any(a.keyword for a in args) and isinstance(args[1].value, cst.Call) \
            and (parsed.qname(args[1].value.func) or "").endswith("PKCS1v15"):
        return SignCall(node, "cryptography", receiver, args[0].value)
    if len(args) == 1 and isinstance(receiver, cst.Call) and len(receiver.args) == 1 and (
            parsed.qname(receiver.func) or "") in ("Crypto.Signature.PKCS1_v1_5.new",
                                                   "Crypto.Signature.pkcs1_15.new"):
        return SignCall(node, "pycryptodome", receiver.args[0].value, args[0].value)
    if len(args) == 1 and not isinstance(receiver, cst.Call) and _imports_google(parsed):
        return SignCall(node, "google", receiver, args[0].value)
    return None


def _imports_google(parsed: Parsed) -> bool:
    if "google" not in parsed.memo:
        parsed.memo["google"] = "google.auth" in parsed.source
    return bool(parsed.memo["google"])


def sign_calls(parsed: Parsed, within: cst.CSTNode | None = None) -> list[SignCall]:
    return [s for s in (sign_call(parsed, n) for n in parsed.find(cst.Call, within)) if s]


def is_key_load(parsed: Parsed, node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Call):
        return False
    name = parsed.qname(node.func) or ""
    return name.split(".")[-1] in KEY_LOADERS and name.split(".")[0] in (
        "cryptography", "Crypto", "rsa", "google")


def key_loads(parsed: Parsed, within: cst.CSTNode | None = None) -> list[cst.Call]:
    return [n for n in parsed.find(cst.Call, within) if is_key_load(parsed, n)]


def is_b64encode(parsed: Parsed, node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) and parsed.qname(node.func) == "base64.b64encode"


def is_jar(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.SimpleString) and "DigitalSignatureUtil" in node.value


def is_hmac(parsed: Parsed, node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) and parsed.qname(node.func) == "hmac.new"


def signs(parsed: Parsed, within: cst.CSTNode) -> bool:
    """Whether code under ``within`` takes part in signing."""
    key = ("signs", id(within))
    if key not in parsed.memo:
        parsed.memo[key] = _signs(parsed, within)
    return bool(parsed.memo[key])


def _signs(parsed: Parsed, within: cst.CSTNode) -> bool:
    for node in parsed.walk(within):
        if isinstance(node, cst.Call) and (sign_call(parsed, node) or is_key_load(parsed, node)
                                           or is_b64encode(parsed, node) or is_hmac(parsed, node)):
            return True
        if is_jar(node) or signed_string(node) is not None:
            return True
    return False


def env_read(parsed: Parsed, node: cst.CSTNode) -> str | None:
    """The variable name of ``os.environ[...]``, ``os.environ.get(...)`` or ``os.getenv(...)``."""
    if isinstance(node, cst.Subscript) and parsed.qname(node.value) == "os.environ" \
            and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return text_of(node.slice[0].slice.value)
    if isinstance(node, cst.Call) and parsed.qname(node.func) in ("os.environ.get", "os.getenv") \
            and node.args and not node.args[0].keyword:
        return text_of(node.args[0].value)
    return None


def credential_role(name: str) -> str | None:
    """``consumer_id`` or ``private_key`` for a name that holds one of them."""
    match = CREDENTIAL.search(name)
    if match is None:
        return None
    return "consumer_id" if match.group(0).lower().startswith("consumer") else "private_key"
