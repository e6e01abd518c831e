"""Per function, the arguments of the token call; across the repository, the renames that
carry the credentials there (parameters, attributes, globals, settings, environment)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from codemods.flow.facts import Credential, FileFacts

if TYPE_CHECKING:
    from codemods.flow.plan import _Planner, _Site

__all__ = ["plan_credentials"]

_USABLE = ("param", "attr", "global", "module-attr", "env")


def _callee(function: str) -> str:
    return function.rsplit(".", 1)[0] if function.endswith(".__init__") else function


def _replace_last(code: str, new: str) -> str:
    head, _, _ = code.rpartition(".")
    return f"{head}.{new}" if head else new


class _Flow:
    """Registers renames for one credential leaf and returns its new code."""

    def __init__(self, planner: _Planner, rollout: bool) -> None:
        self.planner = planner
        self.renames = planner.plan.renames
        self.rollout = rollout

    def module_facts(self, module: str) -> FileFacts | None:
        return self.planner.by_module.get(module)

    def env(self, code: str, variable: str, role: str, where: str) -> str:
        new = self.renames.variable(variable, role, where)
        return code.replace(f'"{variable}"', f'"{new}"').replace(f"'{variable}'", f"'{new}'")

    def global_in(self, module: str, name: str, role: str) -> str:
        new = self.renames.global_name(module, name, role)
        facts = self.module_facts(module)
        if facts is not None and name in facts.env_globals:
            self.renames.variable(facts.env_globals[name], role, module)
        return new

    def leaf(self, leaf: Credential, site: Any, role: str) -> str | None:
        facts, file = site.facts, site.file
        if self.rollout:
            return leaf.code
        if leaf.local:  # read through a local: the local is renamed, and what it reads
            if self.leaf(replace(leaf, local=""), site, role) is None:
                return None
            if not facts.function:  # module-level code reads module globals
                return self.global_in(file.module, leaf.local, role)
            return self.renames.local(facts.function, leaf.local, role)
        if leaf.kind == "param":
            return self.renames.param(facts.function, _callee(facts.function), leaf.name, role)
        if leaf.kind == "attr":
            new = self.renames.attr(facts.scope, leaf.name, role)
            self._attr_sources(file, facts.scope, leaf.name, role)
            return f"self.{new}"
        if leaf.kind == "global":
            return self.global_in(file.module, leaf.name, role)
        if leaf.kind == "module-attr":
            module, _, name = leaf.name.rpartition(".")
            if self.module_facts(module) is None:
                return None
            return _replace_last(leaf.code, self.global_in(module, name, role))
        if leaf.kind == "env":
            return self.env(leaf.code, leaf.name, role, facts.function or file.module)
        return None

    def _attr_sources(self, file: FileFacts, class_name: str, attr: str, role: str) -> None:
        if attr in file.class_fields.get(class_name, []):
            self.renames.field(class_name, attr, role)
        for function, source in file.attr_sources.get(class_name, {}).get(attr, []):
            if source.kind == "param":
                self.renames.param(function, _callee(function), source.name, role)
            elif source.kind == "env":
                self.renames.variable(source.name, role, function)
            elif source.kind == "global":
                self.global_in(file.module, source.name, role)
            elif source.kind == "module-attr":
                module, _, name = source.name.rpartition(".")
                if self.module_facts(module) is not None:
                    self.global_in(module, name, role)


def follow_source(planner: _Planner, file: FileFacts, leaf: Credential, role: str,
                  where: str) -> None:
    """Rename what a caller passes for a renamed parameter: an environment variable (read in
    ``where``), a module setting of this repository."""
    flow = _Flow(planner, rollout=False)
    if leaf.kind == "env":
        flow.renames.variable(leaf.name, role, where)
    elif leaf.kind == "global" and leaf.name in file.env_globals:
        flow.global_in(file.module, leaf.name, role)
    elif leaf.kind == "module-attr":
        module, _, name = leaf.name.rpartition(".")
        if planner.by_module.get(module) is not None:
            flow.global_in(module, name, role)


def plan_credentials(planner: _Planner, scope: str, members: list[_Site]) -> _Site | None:
    """Fill the plan's token calls for this scope; the first site that cannot be, if any."""
    from codemods.flow.plan import TokenCall

    rollout = planner.plan.target == "rollout"
    flow = _Flow(planner, rollout)
    calls: dict[str, TokenCall] = {}
    for site in members:
        if site.facts.signature[0] not in ("helper", "inline", "rollout"):
            continue  # a site without the signature (a session-wide consumer id) needs none
        consumer, key = planner._bind(site, "consumer"), planner._bind(site, "key")
        for credential, what in ((key, "private key"), (consumer, "consumer id")):
            if credential is None or credential.kind not in _USABLE:
                shown = f" ({credential.code})" if credential is not None else ""
                site.problem = (f"cannot tell where the {what}{shown} comes from; pass the client "
                                "credentials to shim.access_token by hand")
                return site
        assert consumer is not None and key is not None
        client_id = flow.leaf(consumer, site, "client id")
        client_secret = flow.leaf(key, site, "client secret")
        if client_id is None or client_secret is None:
            site.problem = ("the credentials live outside this repository's modules "
                            f"({consumer.code}, {key.code}); pass them to shim.access_token by hand")
            return site
        url, method = _signed_request(site)
        call = TokenCall(client_id, client_secret, url, method,
                         consumer.code if rollout else None, key.code if rollout else None)
        previous = calls.get(site.facts.function)
        if previous is not None and previous != call:
            site.problem = "two different sets of credentials sign in one function"
            return site
        calls[site.facts.function] = call
    planner.plan.token_calls.update(calls)
    return None


def _signed_request(site: Any) -> tuple[str | None, str | None]:
    """The URL and method the legacy signature covered, as code at the site."""
    facts, helper = site.facts, site.helper
    if facts.signature[0] == "inline":
        return facts.call_args.get("<url>"), facts.call_args.get("<method>")
    if helper is None:
        return None, None

    def argument(param: str | None) -> str | None:
        if param is None:
            return None
        index = str(helper.params.index(param)) if param in helper.params else ""
        found: str | None = facts.call_args.get(index) or facts.call_args.get(param)
        return found

    return argument(helper.url_param), argument(helper.method_param)
