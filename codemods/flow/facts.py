"""Plain, picklable records of what one file holds. Collected per file (in worker processes),
joined across the repository by ``codemods.flow.plan``."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CallRef", "Credential", "FileFacts", "HelperFacts", "SiteFacts"]


@dataclass(frozen=True)
class Credential:
    """Where a credential value comes from, in the code of one function.

    kind: ``param`` (a parameter), ``attr`` (``self.<name>``), ``global`` (a module-level
    name of this module), ``module-attr`` (``<imported module>.<name>``, ``name`` holds the
    qualified name), ``env`` (an environment read, ``name`` holds the variable), ``local``
    (a local assigned from something else we could not follow), ``expr`` (anything else).
    """

    kind: str
    name: str
    code: str  # the expression as written
    local: str = ""  # the local variable it was read through, if any


@dataclass(frozen=True)
class HelperFacts:
    """A function or method that computes a legacy signature."""

    qualname: str
    kind: str  # "rsa", "jar" or "fake"
    style: str  # cryptography, pycryptodome, rsa, google-auth, jar, hashlib, hmac
    params: tuple[str, ...]  # positional parameters, without self/cls
    is_method: bool
    consumer: Credential | None
    key: Credential | None
    url_param: str | None = None
    method_param: str | None = None
    timestamp_param: str | None = None
    # What it returns: "signature", or a tuple with the signature and timestamp positions.
    signature_index: int | None = None
    timestamp_index: int | None = None
    line: int = 0


@dataclass(frozen=True)
class CallRef:
    """A call whose callee could be named: used for kwargs renames and dead-helper counts."""

    callee: str  # qualified name (module.func, module.Class, module.Class.method)
    keywords: tuple[str, ...]
    scope: str  # qualified name of the enclosing decision scope
    in_signing: bool = False  # inside a statement that only computes a signature
    sent_method: str | None = None  # verb of the HTTP call this call is an argument of
    # Literal arguments: ("0", "GET") for positional, ("method", "GET") for keywords.
    literals: tuple[tuple[str, str], ...] = ()
    # Arguments read from the environment or from settings, by position or keyword.
    sources: tuple[tuple[str, Credential], ...] = ()


@dataclass
class SiteFacts:
    """One place where Walmart auth headers are set."""

    kind: str  # "dict", "subscript", "call"
    scope: str  # decision unit: class, top-level function, or "<module>"
    function: str  # qualified name of the innermost function ("" at module level)
    line: int
    column: int
    headers: tuple[str, ...]
    # How the signature value is produced: ("helper", qualname) | ("inline", kind) |
    # ("cached", detail) | ("dynamic", detail) | ("unknown", detail) | ("none", "")
    signature: tuple[str, str] = ("none", "")
    consumer: Credential | None = None  # the WM_CONSUMER.ID value, when present
    call_args: dict[str, str] = field(default_factory=dict)  # helper param -> argument code
    call_credentials: dict[str, Credential] = field(default_factory=dict)  # helper param -> leaf
    signed_method: str | None = None  # a literal method passed to the signing call
    sent_method: str | None = None  # the literal method of the request that sends the headers
    # The site's own parameter that reaches the signing call as its method, when it does:
    # callers that pass a literal method and send another are caught from their CallRefs.
    method_param: str | None = None
    unpack_index: int | None = None  # the signature is element N of what the helper returns
    signing_call: tuple[int, int] | None = None  # position of the call that signs (dedupe)
    dynamic_key: bool = False
    canada: bool = False
    is_async: bool = False


def _credentials_of(facts: FileFacts) -> list[Credential]:
    found: list[Credential] = []
    for helper in facts.helpers:
        found += [c for c in (helper.consumer, helper.key) if c is not None]
    for site in facts.sites:
        found += [*site.call_credentials.values(), *([site.consumer] if site.consumer else [])]
    for attrs in facts.attr_sources.values():
        found += [credential for sources in attrs.values() for _, credential in sources]
    for call in facts.calls:
        found += [credential for _, credential in call.sources]
    for defaults in facts.param_defaults.values():
        found += list(defaults.values())
    return found


@dataclass
class FileFacts:
    module: str
    path: str
    helpers: list[HelperFacts] = field(default_factory=list)
    sites: list[SiteFacts] = field(default_factory=list)
    calls: list[CallRef] = field(default_factory=list)
    # Module-level names: constant header names, and credentials read from the environment.
    header_constants: dict[str, str] = field(default_factory=dict)
    env_globals: dict[str, str] = field(default_factory=dict)  # NAME -> env variable
    # How attributes of each class are assigned: class -> attr -> (function, source) pairs.
    attr_sources: dict[str, dict[str, list[tuple[str, Credential]]]] = field(default_factory=dict)
    class_fields: dict[str, list[str]] = field(default_factory=dict)  # annotated class fields
    # Parameters of each function: qualname -> names (for __init__, also under the class).
    signatures: dict[str, tuple[str, ...]] = field(default_factory=dict)
    canada_scopes: set[str] = field(default_factory=set)
    # Loads of repository names, per enclosing function (or scope at module/class level):
    # used to tell which helpers the rewrite leaves without a caller.
    references: dict[str, dict[str, int]] = field(default_factory=dict)
    attribute_names: set[str] = field(default_factory=set)  # every .name loaded anywhere
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    # Default values of parameters read from the environment or settings: function -> name.
    param_defaults: dict[str, dict[str, Credential]] = field(default_factory=dict)

    def settings_modules(self) -> set[str]:
        """Modules whose globals credentials are read from (``settings.CONSUMER_ID``)."""
        return {c.name.rpartition(".")[0] for c in _credentials_of(self) if c.kind == "module-attr"}
