"""One pass over a module: signing helpers, header sites, credential sources and calls.

Produces ``FileFacts`` (plain data, for joining across the repository) and keeps the nodes
of each site beside them (for the codemods that rewrite this same tree).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.flow.exprs import FunctionScope, code, dotted, env_variable, iter_calls, literal_string
from codemods.flow.facts import CallRef, Credential, FileFacts, HelperFacts, SiteFacts
from codemods.flow.imports import import_table
from codemods.flow.returns import returned_positions
from codemods.flow.signing import Signing, find_signing
from codemods.flow.sitekeys import HeaderKeys, header_constants
from codemods.flow.trace import trace_signature
from codemods.names import AUTH_SIGNATURE, CONSUMER_ID, TENANT_ID

__all__ = ["ROLLOUT", "FileAnalysis", "SiteNode", "analyze"]

ROLLOUT = "**shim.auth_headers"  # the entry a rollout run left in place of the legacy headers

_VERBS = {"get", "post", "put", "delete", "patch", "head", "options"}
_CANADA_TEXT = ("/v3/ca/", "/v2/ca/", "WALMART.CA")


@dataclass
class SiteNode:
    facts: SiteFacts
    node: cst.CSTNode  # the Dict, or the first statement of a subscript/call group
    statements: list[cst.CSTNode] = field(default_factory=list)  # subscript/call groups
    # The header each entry (dict element, or statement of a group) sets, by node identity.
    entries: dict[int, str] = field(default_factory=dict)


@dataclass
class FileAnalysis:
    facts: FileFacts
    sites: list[SiteNode]
    functions: dict[str, cst.FunctionDef]
    signings: dict[str, Signing]  # function qualname -> the signature it computes


def _rollout_call(node: cst.BaseExpression) -> cst.Call | None:
    if isinstance(node, cst.Await):
        node = node.expression
    if isinstance(node, cst.Call) and (dotted(node.func) or "").endswith("auth_headers"):
        return node
    return None


def _verb_of(call: cst.Call) -> str | None:
    if isinstance(call.func, cst.Attribute):
        name = call.func.attr.value.lower()
        if name in _VERBS:
            return name.upper()
        if name in ("request", "fetch", "open", "stream") and call.args:
            method = literal_string(call.args[0].value)
            if method and method.lower() in _VERBS:
                return method.upper()
    for arg in call.args:
        if arg.keyword and arg.keyword.value == "method":
            method = literal_string(arg.value)
            return method.upper() if method else None
    return None


class _Collector(cst.CSTVisitor):
    # Parents are tracked during this same walk: LibCST's provider would be a second walk
    # costing more than the whole analysis.
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, module: cst.Module, module_name: str, is_package: bool,
                 repo_constants: dict[str, str]) -> None:
        super().__init__()
        self.module_name = module_name
        self.imports = import_table(module, module_name, is_package)
        self.globals = frozenset(self._module_globals(module)) | frozenset(self.imports)
        self.facts = FileFacts(module=module_name, path="")
        self.keys = HeaderKeys(module, self.imports, repo_constants)
        self.classes: list[str] = []
        self.functions: list[tuple[str, cst.FunctionDef, FunctionScope]] = []
        self.sites: list[SiteNode] = []
        self.function_nodes: dict[str, cst.FunctionDef] = {}
        self.signings: dict[str, Signing] = {}
        self._groups: dict[tuple[str, str, str], SiteNode] = {}
        self._stack: list[cst.CSTNode] = []
        self._parents: dict[int, cst.CSTNode] = {}
        self._values: dict[int, dict[str, cst.BaseExpression]] = {}
        self.strings = {
            small.targets[0].target.value: value
            for line in module.body if isinstance(line, cst.SimpleStatementLine)
            for small in line.body
            if isinstance(small, cst.Assign) and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            for value in [literal_string(small.value)] if value is not None}
        self._module_scope = FunctionScope.of(module, self.globals, self.imports, self.strings)

    # -- context --------------------------------------------------------------------------
    def _module_globals(self, module: cst.Module) -> set[str]:
        names: set[str] = set()
        for statement in module.body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                names.add(statement.name.value)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) \
                            else [small.target]
                        names.update(t.value for t in targets if isinstance(t, cst.Name))
        return names

    @property
    def qualname(self) -> str:
        inner = [*self.classes[:1], *(f[0].rsplit(".", 1)[-1] for f in self.functions[:1])]
        return ".".join([self.module_name, *inner]) if inner else self.module_name

    @property
    def scope(self) -> str:
        """The decision unit: the outermost class, else the outermost function, else module."""
        if self.classes:
            return f"{self.module_name}.{self.classes[0]}"
        if self.functions:
            return self.functions[0][0]
        return f"{self.module_name}.<module>"

    @property
    def function(self) -> tuple[str, cst.FunctionDef | None, FunctionScope]:
        if self.functions:
            return self.functions[-1]
        return "", None, self._module_scope

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.get_metadata(PositionProvider, node).start
        return start.line, start.column + 1

    # -- definitions ----------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node.name.value)
        for name, value in header_constants(node.body.body):
            self.keys.add_class_constant(self.classes[0], name, value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.classes and not self.functions and isinstance(node.target, cst.Name):
            self.facts.class_fields.setdefault(f"{self.module_name}.{self.classes[0]}", []).append(
                node.target.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        owner = [self.module_name, *self.classes, *(f[0].rsplit(".", 1)[-1] for f in self.functions)]
        qualname = ".".join([*owner, node.name.value])
        scope = FunctionScope.of(node, self.globals, self.imports, self.strings)
        self.functions.append((qualname, node, scope))
        self.function_nodes[qualname] = node
        is_method = bool(self.classes) and len(self.functions) == 1
        params = scope.params[1:] if is_method and scope.params[:1] in (("self",), ("cls",)) \
            else scope.params
        self.facts.signatures[qualname] = params
        for param in (*node.params.params, *node.params.kwonly_params):
            if param.default is not None:
                leaf = FunctionScope(module_globals=self.globals,
                                     imported_modules=self.imports).credential(param.default)
                if leaf.kind in ("env", "global", "module-attr"):
                    self.facts.param_defaults.setdefault(qualname, {})[param.name.value] = leaf
        if is_method and node.name.value == "__init__":
            self.facts.signatures[f"{self.module_name}.{self.classes[0]}"] = params
        signing = find_signing(node.body, scope)
        if signing is not None:
            self.signings[qualname] = signing
            helper = self._helper(qualname, node, scope, params, is_method, signing)
            self.facts.helpers.append(helper)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()

    def _helper(self, qualname: str, node: cst.FunctionDef, scope: FunctionScope,
                params: tuple[str, ...], is_method: bool, signing: Signing) -> HelperFacts:
        parts = signing.parts or []

        def param(index: int) -> str | None:
            if index < len(parts) and isinstance(parts[index], cst.Name) and \
                    parts[index].value in params:  # type: ignore[attr-defined]
                return parts[index].value  # type: ignore[attr-defined,no-any-return]
            return None

        consumer = scope.credential(parts[0]) if parts else None
        key = scope.credential(signing.key) if signing.key is not None else None
        signature_index, timestamp_index = returned_positions(node, signing)
        return HelperFacts(
            qualname=qualname, kind=signing.kind, style=signing.style, params=params,
            is_method=is_method, consumer=consumer, key=key, url_param=param(1),
            method_param=param(2), timestamp_param=param(3), signature_index=signature_index,
            timestamp_index=timestamp_index, line=self.position(node)[0])

    # -- module-level facts ----------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0].target
        if not self.functions and not self.classes and isinstance(target, cst.Name):
            value = literal_string(node.value)
            if value and value.startswith("WM_"):
                self.facts.header_constants[target.value] = value
                self.keys.add_constant(target.value, value)
            variable = env_variable(node.value)
            if variable:
                self.facts.env_globals[target.value] = variable
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and \
                target.value.value == "self" and self.classes and self.functions:
            class_name = f"{self.module_name}.{self.classes[0]}"
            leaf = self.function[2].credential(node.value)
            self.facts.attr_sources.setdefault(class_name, {}).setdefault(
                target.attr.value, []).append((self.function[0], leaf))
        if isinstance(target, cst.Subscript):
            self._subscript_site(node, target)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = literal_string(node)
        if value and any(text in value for text in _CANADA_TEXT):
            self.facts.canada_scopes.add(self.scope)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if any(text in node.value for text in _CANADA_TEXT):
            self.facts.canada_scopes.add(self.scope)

    # -- sites ----------------------------------------------------------------------------
    def visit_Dict(self, node: cst.Dict) -> None:
        values: dict[str, cst.BaseExpression] = {}
        entries: dict[int, str] = {}
        dynamic = False
        rollout: cst.Call | None = None
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement) and _rollout_call(element.value):
                rollout = _rollout_call(element.value)
                entries[id(element)] = ROLLOUT
                continue
            if not isinstance(element, cst.DictElement):
                continue
            name = self.keys.resolve(element.key, self.classes[:1])
            if name is not None:
                values[name] = element.value
                entries[id(element)] = name
            elif self.keys.looks_dynamic(element.key):
                dynamic = True
        if values.keys() & self.keys.interesting or dynamic or rollout is not None:
            site = self._site("dict", node, node, values, dynamic, [])
            site.entries.update(entries)
            if rollout is not None:
                self._rollout(site, rollout)

    def _rollout(self, site: SiteNode, call: cst.Call) -> None:
        """``**shim.auth_headers(consumer_id=..., private_key=...)`` from a rollout run: the
        Marketplace scheme still, with its legacy credentials named in the call."""
        scope = self.function[2]
        facts = site.facts
        facts.signature = ("rollout", "")
        facts.headers = tuple(sorted({*facts.headers, AUTH_SIGNATURE}))
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in ("consumer_id", "private_key"):
                which = "<consumer>" if arg.keyword.value == "consumer_id" else "<key>"
                facts.call_credentials[which] = scope.credential(arg.value)

    def _subscript_site(self, statement: cst.Assign, target: cst.Subscript) -> None:
        if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
            return
        key = target.slice[0].slice.value
        name = self.keys.resolve(key, self.classes[:1])
        dynamic = name is None and self.keys.looks_dynamic(key)
        if name not in self.keys.interesting and not dynamic:
            return
        owner = code(target.value)
        self._grouped("subscript", owner, statement, name, statement.value, dynamic)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("add_header", "putheader") \
                and len(node.args) >= 2:
            name = self.keys.resolve(node.args[0].value, self.classes[:1])
            dynamic = name is None and self.keys.looks_dynamic(node.args[0].value)
            parent = self._parent(node, None)
            if (name in self.keys.interesting or dynamic) and isinstance(parent, cst.Expr):
                self._grouped("call", code(node.func.value), parent, name, node.args[1].value,
                              dynamic)
        self._call_ref(node)

    def _grouped(self, kind: str, owner: str, statement: cst.BaseSmallStatement, name: str | None,
                 value: cst.BaseExpression, dynamic: bool) -> None:
        """Statements setting headers one by one on the same object form one site."""
        key = (kind, self.function[0], owner)
        site = self._groups.get(key)
        if site is None:
            site = self._site(kind, statement, statement, {name: value} if name else {}, dynamic, [])
            self._groups[key] = site
        elif name:
            site.facts.headers = tuple(sorted({*site.facts.headers, name}))
            self._values[id(site)][name] = value
            self._refresh(site)
        if name:
            site.entries[id(statement)] = name
        site.facts.dynamic_key = site.facts.dynamic_key or dynamic
        site.statements.append(statement)

    def _site(self, kind: str, node: cst.CSTNode, anchor: cst.CSTNode,
              values: dict[str, cst.BaseExpression], dynamic: bool,
              statements: list[cst.CSTNode]) -> SiteNode:
        line, column = self.position(node)
        qualname, function_node, _ = self.function
        facts = SiteFacts(kind=kind, scope=self.scope, function=qualname, line=line,
                          column=column, headers=tuple(sorted(values)), dynamic_key=dynamic,
                          is_async=function_node is not None and function_node.asynchronous is not None)
        site = SiteNode(facts, anchor, statements)
        self._values[id(site)] = dict(values)
        self._refresh(site)
        facts.sent_method = self._sent_method(node, function_node)
        self.sites.append(site)
        if TENANT_ID in values:
            self.facts.canada_scopes.add(self.scope)
        return site

    def _refresh(self, site: SiteNode) -> None:
        values = self._values[id(site)]
        scope = self.function[2]
        facts = site.facts
        if CONSUMER_ID in values:
            facts.consumer = scope.credential(values[CONSUMER_ID])
        if AUTH_SIGNATURE in values:
            trace_signature(values[AUTH_SIGNATURE], scope, self, facts)

    def _sent_method(self, node: cst.CSTNode, function_node: cst.FunctionDef | None) -> str | None:
        """The verb of the request these headers go out with, when this function sends it."""
        parent = self._parent(node, None)
        if isinstance(parent, cst.Arg):
            call = self._parent(parent, None)
            return _verb_of(call) if isinstance(call, cst.Call) else None
        holder: str | None = None
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            holder = code(parent.targets[0].target)
        elif isinstance(node, cst.Assign) and isinstance(node.targets[0].target, cst.Subscript):
            holder = code(node.targets[0].target.value)
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            holder = code(node.func.value)
        if holder is None or function_node is None:
            return None
        verbs = {verb for call in iter_calls(function_node.body)
                 if any(code(a.value) == holder for a in call.args)
                 for verb in [_verb_of(call)] if verb}
        return verbs.pop() if len(verbs) == 1 else None

    # -- parents ----------------------------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self._parents[id(node)] = self._stack[-1]
        self._stack.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self._stack.pop()

    def _parent(self, node: cst.CSTNode, default: cst.CSTNode | None = None) -> cst.CSTNode | None:
        return self._parents.get(id(node), default)

    # -- references -----------------------------------------------------------------------
    def _loaded(self, node: cst.CSTNode) -> bool:
        """A read rather than a binding. Counting a rare binding as a read only keeps a
        helper that could have gone, never the other way round."""
        parent = self._parent(node)
        if isinstance(parent, (cst.Param, cst.FunctionDef, cst.ClassDef, cst.Arg, cst.AssignTarget,
                               cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.AsName)):
            return getattr(parent, "value", None) is node or getattr(parent, "iter", None) is node
        return True

    def _reference(self, node: cst.BaseExpression) -> None:
        target = self.resolve_callee(node)
        if target is not None:
            where = self.function[0] or self.scope
            counts = self.facts.references.setdefault(where, {})
            counts[target] = counts.get(target, 0) + 1

    def visit_Import(self, node: cst.Import) -> bool:
        return False  # binding a name is not using it

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        parent = self._parent(node, None)
        if self._loaded(node) and not (isinstance(parent, cst.Attribute) and parent.attr is node):
            self._reference(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self._loaded(node):
            self.facts.attribute_names.add(node.attr.value)
            self._reference(node)

    # -- calls ----------------------------------------------------------------------------
    def resolve_callee(self, func: cst.BaseExpression) -> str | None:
        if isinstance(func, cst.Name):
            if func.value == "cls" and self.classes:  # cls(...) in a classmethod: the class
                return f"{self.module_name}.{self.classes[0]}"
            if func.value in self.imports:
                return self.imports[func.value]
            if func.value in self.globals:
                return f"{self.module_name}.{func.value}"
            return None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = func.value.value
            if owner in ("self", "cls") and self.classes:
                return f"{self.module_name}.{self.classes[0]}.{func.attr.value}"
            if owner in self.imports:
                return f"{self.imports[owner]}.{func.attr.value}"
            if owner in self.globals:  # a class of this module
                return f"{self.module_name}.{owner}.{func.attr.value}"
        if isinstance(func, cst.Attribute):  # sync.signing.generate_signature after `import sync.signing`
            path = dotted(func)
            root = path.split(".")[0] if path else ""
            if path and root in self.imports and self.imports[root] == root:
                return path
        return None

    def _call_ref(self, node: cst.Call) -> None:
        callee = self.resolve_callee(node.func)
        if callee is None:
            return
        keywords = tuple(a.keyword.value for a in node.args if a.keyword is not None)
        literals: list[tuple[str, str]] = []
        sources: list[tuple[str, Credential]] = []
        for index, arg in enumerate(node.args):
            key = arg.keyword.value if arg.keyword else str(index)
            value = literal_string(arg.value)
            if value is not None:
                literals.append((key, value))
            elif not isinstance(arg.value, (cst.Integer, cst.Float)):
                leaf = self.function[2].credential(arg.value)
                if leaf.kind in ("env", "global", "module-attr"):
                    sources.append((key, leaf))
        sent = None
        parent = self._parent(node, None)
        if isinstance(parent, cst.Arg):
            outer = self._parent(parent, None)
            if isinstance(outer, cst.Call):
                sent = _verb_of(outer)
        self.facts.calls.append(CallRef(callee, keywords, self.scope, False, sent, tuple(literals),
                                        tuple(sources)))


def analyze(module: cst.Module, module_name: str, path: str = "", is_package: bool = False,
            repo_constants: dict[str, str] | None = None) -> FileAnalysis:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    collector = _Collector(module, module_name, is_package, repo_constants or {})
    wrapper.visit(collector)
    collector.facts.path = path
    collector.facts.imports = dict(collector.imports)
    collector.facts.sites = [s.facts for s in collector.sites]
    return FileAnalysis(collector.facts, collector.sites, collector.function_nodes,
                        collector.signings)

