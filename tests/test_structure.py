"""The shape of the code: no import circles among the project's modules, function-local
imports of the project only where generator/cli.py's LAZY_IMPORTS lists them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from generator.cli import LAZY_IMPORTS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "generator"


def module_name(path: Path) -> str:
    """The dotted name of a module file of the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project modules an import statement loads (a package's names resolved to modules)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            here = module.split(".")
            if MODULES[module].name != "__init__.py":
                here = here[:-1]
            here = here[: len(here) - node.level + 1]
            base = ".".join([*here, base] if base else here)
        names = [f"{base}.{a.name}" for a in node.names]
    out = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.add(name)
    return out


def imports(module: str) -> tuple[set[str], set[str]]:
    """(module-level imports that run, imports made inside functions) of a module."""
    top: set[str] = set()
    local: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # read by mypy only
            if isinstance(child, ast.Import | ast.ImportFrom):
                (local if in_function else top).update(imported(module, child))
            function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, in_function or function)

    visit(ast.parse(MODULES[module].read_text(encoding="utf-8")), False)
    return top, local


Graph = dict[str, tuple[set[str], set[str]]]


@pytest.fixture(scope="module")
def graph() -> Graph:
    """Each module's (module-level, function-local) imports, read once for this module's tests,
    not when the module is collected: every test worker collects every module."""
    return {m: imports(m) for m in MODULES}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_circles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_among_the_project_modules(graph: Graph) -> None:
    assert len(MODULES) > 40  # the walk found the package
    assert circles({m: top for m, (top, _local) in graph.items()}) == []


def test_no_circle_even_through_the_lazy_imports(graph: Graph) -> None:
    # A function-local import closing a circle is the circle hidden, not broken.
    assert circles({m: top | local for m, (top, local) in graph.items()}) == []


def test_function_local_project_imports_are_only_the_listed_ones(graph: Graph) -> None:
    for module, targets in LAZY_IMPORTS.items():
        assert module in MODULES
        assert all(t == "*" or t in MODULES for t in targets), module
    unlisted = {
        (module, target)
        for module, (_top, local) in graph.items()
        for target in local
        if "*" not in LAZY_IMPORTS.get(module, ()) and target not in LAZY_IMPORTS.get(module, ())
    }
    assert unlisted == set()


#: The names of a project's folders and files, which only generator/common/paths.py joins to a root.
PROJECT_NAMES = {"data", "content", "issued", "site", "problems", "inbox", "bulletin.yml"}
PROJECT_CONSTANTS = {
    "CONFIG_FILE",
    "DATA_DIR",
    "CONTENT_DIR",
    "ISSUED_DIR",
    "SITE_DIR",
    "PROBLEMS_DIR",
    "INBOX_DIR",
    "CACHE_DIR",
}


def root_joins(source: str) -> list[str]:
    """Each `<root> / "data"` (or another project name) in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)):
            continue
        left, right = ast.unparse(node.left), node.right
        named = (isinstance(right, ast.Constant) and right.value in PROJECT_NAMES) or (
            isinstance(right, ast.Name) and right.id in PROJECT_CONSTANTS
        )
        if named and (left.endswith("root") or left in ("project", "self.project")):
            found.append(ast.unparse(node))
    return found


def test_root_joins_are_found() -> None:
    source = 'a = root / "data" / "x"\nb = self.root / CACHE_DIR\nc = out / audience / "data"\n'
    assert sorted(root_joins(source)) == ["root / 'data'", "self.root / CACHE_DIR"]


def test_only_project_paths_joins_the_project_folder_with_its_names() -> None:
    joins = {
        name: root_joins(path.read_text(encoding="utf-8"))
        for name, path in MODULES.items()
        if name != "generator.common.paths"
    }
    assert {name: found for name, found in joins.items() if found} == {}
    assert root_joins(MODULES["generator.common.paths"].read_text(encoding="utf-8"))


def test_every_project_name_imported_anywhere_exists() -> None:
    """Every `from generator… import name` in the benchmarks, tests and the package itself, at any
    depth (imports inside functions run only when a bench section or a test path does), names
    something its module has: a module split moves names, and the bench's engines section once
    imported one from where it had been."""
    import importlib

    missing = []
    files = [
        *PACKAGE.rglob("*.py"),
        *(ROOT / "benchmarks").glob("*.py"),
        *(ROOT / "tests").glob("*.py"),
    ]
    for path in sorted(files):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module.split(".")[0] != "generator":
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                if not hasattr(module, alias.name) and f"{node.module}.{alias.name}" not in MODULES:
                    missing.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}"
                    )
    assert not missing, missing
