"""Our bindings (codemods/bindings.py) against LibCST's ScopeProvider, which the codemods asked
before: for every name in a module, the bindings its scope holds under that name and the
reads of each (what the dead-code cascade and the renames ask); for the module, every binding
and its reads (what the global renames and the import pruning ask). Over the codemod fixtures,
the sample sellers, a fixed sample of the standard library and generated programs; then the
rules the codemods depend on, stated outright."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import sysconfig
import textwrap
import typing
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ScopeProvider

from codemods.binding_walk import SYNTAX_FIELDS, fields_in_order
from codemods.bindings import Bindings
from codemods.flow.syntax import nodes_in
from tests.codemods.generated_corpus import corpus
from tests.codemods.test_generated_programs import corpus_folder

__all__ = ["corpus_folder"]  # the generated programs' cache folder, as a fixture here too

ROOT = Path(__file__).resolve().parents[2]
SELLER_CODE = sorted([*(ROOT / "fixtures").rglob("*.py"), *(ROOT / "migrate" / "sample-seller").rglob("*.py")])
STDLIB = Path(sysconfig.get_paths()["stdlib"])
Answer = set[tuple[int, frozenset[int]]]


def _stdlib_sample(count: int = 300) -> list[Path]:
    """``count`` modules of the standard library under 12 kB, chosen by a hash of their path:
    the same list on every run of one Python, spread over the whole library."""
    found = [p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts and
             not {"test", "tests", "idlelib", "lib2to3"} & set(p.parts) and p.stat().st_size < 12_000]
    found.sort(key=lambda p: hashlib.sha256(p.relative_to(STDLIB).as_posix().encode()).digest())
    return found[:count]


def _theirs(scope: typing.Any, name: str) -> Answer:
    return {(id(getattr(a, "node", None)), frozenset(id(r.node) for r in a.references))
            for a in scope.assignments[name]}


def _ours(scope: typing.Any, name: str) -> Answer:
    return {(id(b.node), frozenset(id(r) for r in b.reads)) for b in scope.own(name)}


def differences(source: str | bytes) -> list[str]:
    """Where our answers and LibCST's differ, one line each; [] when they agree."""
    tree = cst.parse_module(source)
    try:
        theirs = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(ScopeProvider)
    except NotImplementedError:  # ``nonlocal`` at module level: both refuse the module
        with pytest.raises(NotImplementedError):
            Bindings(tree)
        return []
    ours = Bindings(tree)
    found: list[str] = []
    paired: dict[object, object] = {}
    for node in nodes_in(tree):
        if not isinstance(node, cst.Name):
            continue
        their_scope, our_scope = theirs.get(node), ours.scope_of(node)
        if (their_scope is None) != (our_scope is None):
            found.append(f"{node.value}: scope {their_scope} against {our_scope}")
        elif their_scope is not None and paired.setdefault(their_scope, our_scope) is not our_scope:
            found.append(f"{node.value}: not the scope other names of its scope have")
        elif their_scope is not None and _theirs(their_scope, node.value) != _ours(our_scope, node.value):
            found.append(f"{node.value}: bindings or reads differ")
    if tree.body:
        their_module = theirs[tree.body[0]]
        assert their_module is not None
        module = their_module.globals
        for name in {a.name for a in module.assignments} | set(ours.module.bindings):
            if _theirs(module, name) != _ours(ours.module, name):
                found.append(f"module-level {name}: bindings or reads differ")
    return found


def _agree(sources: list[tuple[str, bytes]]) -> None:
    disagreements: list[str] = []
    for label, source in sources:
        try:
            cst.parse_module(source)
        except (cst.ParserSyntaxError, RecursionError):
            continue  # not for LibCST to parse: no answer to compare
        disagreements.extend(f"{label}: {line}" for line in differences(source))
    assert disagreements == []


def test_seller_code_and_fixtures() -> None:
    assert len(SELLER_CODE) > 300
    _agree([(str(p.relative_to(ROOT)), p.read_bytes()) for p in SELLER_CODE])


@pytest.mark.parametrize("part", range(4))
def test_standard_library_sample(part: int) -> None:
    sample = _stdlib_sample()
    assert len(sample) == 300
    _agree([(str(p.relative_to(STDLIB)), p.read_bytes()) for p in sample[part::4]])


@pytest.mark.timeout(900)
def test_generated_programs(corpus_folder: Path) -> None:
    _, programs = corpus(corpus_folder, 7919, 500)  # test_generated_programs' first chunk
    _agree([(f"program {i}", p) for i, p in enumerate(programs[:250])])


EDGES = {
    "comprehensions and class bodies": '''
        x = 1
        class C:
            x = 2
            y = [x for _ in range(x)]
            def m(self, q=x) -> x:
                return x
        def f():
            return [a for a in range(a) if a for b in a if b], [(w := k) for k in w], w
    ''',
    "global, nonlocal, del, augmented": '''
        g = 0
        def f(a, *args, b=a, **kw):
            global g
            g += a
            def inner():
                nonlocal a
                a = 2
                del a
            return inner
    ''',
    "imports, attributes, strings": '''
        import os.path
        import a.b.c as d
        from typing import List, Literal, TypeVar, cast
        import typing
        T = TypeVar("T", bound="Foo")
        x = cast("Bar", y)
        z: List["Baz"] = []
        w: Literal["notaname"] = 1
        typing.cast("T2", typing.List["T3"])
        v: "A" "B" = f"{os.path}"
        os.path.join(a.b.c.d, d.x, os.sep)
        class typing2:
            def cast(self): pass
            cast("Foo")
    ''',
    "match, with, except, for, lambda, async": '''
        match v:
            case Point(x=px, y=[1, *rest]) if px:
                pass
            case {"k": kv, **others}:
                pass
        try:
            pass
        except E as e:
            del e
        with open(f) as (h1, h2), open(g) as h3:
            h1
        for i, j in zip(i, j):
            print(i)
        else:
            j
        lam = lambda q, r=q: q + r
        t = x if (x := 1) else x
        async def af():
            async with a as b:
                await b
            return [x async for x in c]
        def usex():
            print(x)
            x = 2
            for _ in range(3):
                if ts:
                    print(ts)
                ts = 1
    ''',
    "type parameters": '''
        type Alias[T: Bound = Default] = list[T]
        def f[T, *Ts, **P](x: T) -> T:
            return x
        class K[T](Base[T]):
            def m(self) -> T: ...
    ''',
    "nonlocal at module level": "nonlocal x\n",
}


@pytest.mark.parametrize("source", EDGES.values(), ids=EDGES.keys())
def test_edges(source: str) -> None:
    assert differences(textwrap.dedent(source)) == []


def _code(tree: cst.Module, nodes: list[cst.CSTNode]) -> list[str]:
    return sorted(tree.code_for_node(n) for n in nodes)


def _named(node: cst.CSTNode, name: str) -> cst.Name:
    return next(n for n in nodes_in(node) if isinstance(n, cst.Name) and n.value == name)


def test_what_the_codemods_rely_on() -> None:
    tree = cst.parse_module(textwrap.dedent('''
        import os.path
        from keys import RSAKey
        key = 1
        def sign(k: "RSAKey"):
            return os.path.join(key)
        class Client:
            key = 2
            def headers(self):
                return key
        def loop():
            for _ in range(3):
                if sig:
                    send(sig)
                sig = make()
    '''))
    bindings = Bindings(tree)
    module = bindings.module
    # A dotted import read whole is a read of the dotted name, not of its head.
    assert _code(tree, module.own("os.path")[0].reads) == ["os.path"]
    assert module.own("os")[0].reads == []
    # A string annotation reads the names in it, the string standing for them.
    assert _code(tree, module.own("RSAKey")[0].reads) == ['"RSAKey"']
    # A class body does not enclose its methods: headers() reads the module's key.
    assert _code(tree, module.own("key")[0].reads) == ["key", "key"]
    client = tree.body[4]
    assert isinstance(client, cst.ClassDef)
    in_class = bindings.scope_of(_named(client.body.body[0], "key"))
    assert in_class is not None and in_class.kind == "class"
    assert [b.reads for b in in_class.own("key")] == [[]]
    # Reads that come before the binding in a loop do not reach it.
    in_loop = bindings.scope_of(_named(tree.body[5], "sig"))
    assert in_loop is not None and [b.reads for b in in_loop.own("sig")] == [[]]
    assert bindings.scope_of(tree.body[5]) is None  # only names have a scope


def test_fields_follow_libcsts_visiting_order() -> None:
    """The walk reads fields in the order LibCST visits them (the keywords of the node each
    ``_visit_and_replace_children`` builds), skipping only punctuation and whitespace."""
    syntax = (cst.BaseParenthesizableWhitespace, cst.LeftParen, cst.RightParen, cst.Comma,
              cst.Semicolon, cst.Colon, cst.AssignEqual, cst.Dot, cst.EmptyLine,
              cst.TrailingWhitespace, cst.Asynchronous, cst.ParamSlash, cst.LeftSquareBracket,
              cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.BaseAugOp,
              cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp,
              cst.MaybeSentinel, type(None))
    own_visitors = set(Bindings(cst.Module([]))._visitors)  # their order is theirs
    checked = 0
    for kind in vars(cst).values():
        if not (isinstance(kind, type) and issubclass(kind, cst.CSTNode) and
                dataclasses.is_dataclass(kind) and not inspect.isabstract(kind)):
            continue
        hints = typing.get_type_hints(kind)
        for field in dataclasses.fields(kind):
            if field.name in SYNTAX_FIELDS or field.name.startswith("whitespace"):
                held = [t for t in _classes(hints[field.name]) if not issubclass(t, syntax)]
                assert held == [], f"{kind.__name__}.{field.name} may hold {held}"
        tree = ast.parse(textwrap.dedent(inspect.getsource(kind._visit_and_replace_children)))
        built = next(n.value for n in ast.walk(tree) if isinstance(n, ast.Return))
        if not isinstance(built, ast.Call) or not built.keywords or kind in own_visitors:
            continue  # a leaf, or a node the walk visits in its own way
        visited = [k.arg for k in built.keywords if k.arg and "visit_" in ast.unparse(k.value)]
        content = [v for v in visited if not (v in SYNTAX_FIELDS or v.startswith("whitespace"))]
        ours = [name for name, _ in fields_in_order(kind)]
        assert [name for name in ours if name in visited] == content, kind.__name__
        for name in ours:  # the rest hold text or flags, never a node
            assert name in visited or not any(issubclass(t, cst.CSTNode)
                                              for t in _classes(hints[name])), name
        checked += 1
    assert checked > 100


def _classes(hint: object) -> list[type]:
    args = typing.get_args(hint)
    if args:
        return [c for a in args for c in _classes(a)]
    return [hint] if isinstance(hint, type) and hint is not str else []
