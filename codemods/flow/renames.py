"""What the rewrite renames: consumer-id / private-key names become client-id /
client-secret names wherever they carried the credentials into signing - by name where a
scope analysis can find every use (parameters, locals, attributes of ``self``, module
globals, keyword arguments, environment variables), by position where only the value flow
can tell (an attribute read on an object elsewhere, a key of a settings dict)."""

from __future__ import annotations

from dataclasses import dataclass, field

from codemods.names import rename_identifier

__all__ = ["ConfigNote", "LegacyNames", "RenamePlan"]


@dataclass(frozen=True)
class ConfigNote:
    """Credentials read from a configuration file under keys the code now reads renamed."""

    module: str
    line: int
    column: int
    source: str  # the file, as the code names it
    keys: tuple[tuple[str, str], ...]  # old key -> new key


@dataclass
class RenamePlan:
    exact: dict[str, str] = field(default_factory=dict)  # from [tool.walmart-migrate.renames]
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)  # class -> old -> new
    params: dict[str, dict[str, str]] = field(default_factory=dict)  # function -> old -> new
    locals: dict[str, dict[str, str]] = field(default_factory=dict)  # function -> old -> new
    kwargs: dict[str, dict[str, str]] = field(default_factory=dict)  # callee -> old -> new
    globals: dict[str, dict[str, str]] = field(default_factory=dict)  # module -> old -> new
    env: dict[str, str] = field(default_factory=dict)  # variable -> variable
    # Where each renamed variable is read on the way to the credentials (a module, class or
    # function): only those reads change, not every read of the same variable anywhere.
    env_scopes: dict[str, set[str]] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)  # names no rule renames -> their role
    # Parameters of each renamed callee, so positional arguments at call sites can be matched.
    positions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # By position, per module: attribute names (the name after the dot) and string keys.
    attr_sites: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    key_sites: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    config: list[ConfigNote] = field(default_factory=list)

    def new_name(self, old: str) -> str:
        return rename_identifier(old, self.exact)

    def _add(self, table: dict[str, dict[str, str]], owner: str, old: str, role: str,
             new: str | None = None) -> str:
        new = new or self.new_name(old)
        if new == old:
            self.kept[old] = role
        else:
            table.setdefault(owner, {})[old] = new
        return new

    def attr(self, class_name: str, old: str, role: str, new: str | None = None) -> str:
        return self._add(self.attrs, class_name, old, role, new)

    def param(self, function: str, callee: str, old: str, role: str) -> str:
        new = self._add(self.params, function, old, role)
        if new != old:
            self.kwargs.setdefault(callee, {})[old] = new
        return new

    def local(self, function: str, old: str, role: str) -> str:
        return self._add(self.locals, function, old, role)

    def field(self, class_name: str, old: str, role: str) -> str:
        new = self._add(self.attrs, class_name, old, role)
        if new != old:
            self.kwargs.setdefault(class_name, {})[old] = new
        return new

    def global_name(self, module: str, old: str, role: str, new: str | None = None) -> str:
        return self._add(self.globals, module, old, role, new)

    def variable(self, old: str, role: str, where: str) -> str:
        new = self.new_name(old)
        if new == old:
            self.kept[old] = role
        else:
            self.env[old] = new
            self.env_scopes.setdefault(old, set()).add(where)
        return new

    def attribute_at(self, module: str, line: int, column: int, new: str) -> None:
        self.attr_sites.setdefault(module, {})[(line, column)] = new

    def key_at(self, module: str, line: int, column: int, new: str) -> None:
        self.key_sites.setdefault(module, {})[(line, column)] = new

    def qualified(self) -> dict[str, str]:
        """module.NAME -> NEW for every renamed module global (imports and attribute uses)."""
        return {f"{module}.{old}": new for module, names in self.globals.items()
                for old, new in names.items()}

    def old_names(self) -> set[str]:
        """What a file must mention for the rename pass to have work in it: old names, and the
        callees whose arguments (by keyword or by position) change meaning."""
        names = {old for table in (self.attrs, self.params, self.locals, self.kwargs, self.globals)
                 for renames in table.values() for old in renames}
        callees = {callee.rsplit(".", 1)[-1] for callee in self.kwargs}
        return names | set(self.env) | callees

    def modules_by_position(self) -> set[str]:
        return set(self.attr_sites) | set(self.key_sites)


class LegacyNames(RenamePlan):
    """For the rollout target: the legacy credentials keep their names all the way (the
    shim signs with them in legacy mode); only statements that kept something made from
    them change, to keep them raw."""

    def new_name(self, old: str) -> str:
        return old

    def _add(self, table: dict[str, dict[str, str]], owner: str, old: str, role: str,
             new: str | None = None) -> str:
        return old

    def variable(self, old: str, role: str, where: str) -> str:
        return old

    def attribute_at(self, module: str, line: int, column: int, new: str) -> None:
        return None

    def key_at(self, module: str, line: int, column: int, new: str) -> None:
        return None
