"""The import layers of docs/architecture.md, enforced on the source.

Every `import` and `from ... import` in src/lamina is read with `ast` (also those inside
functions and under TYPE_CHECKING: a deferred import is still a dependency). A module may
import its own package and any package of a lower layer, never one above; no two modules
import each other, directly or round a loop; only the CLI imports click, and the CLI reaches
the libraries only through lamina.api.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lamina

SOURCE = Path(lamina.__file__).parent

# Bottom to top. A package may import the packages of lower rows; packages of one row are
# independent of each other. "lamina" is the package root, which re-exports the API.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "version", "redact"),
    ("fsguard",),
    ("store", "git", "vendor"),
    ("model",),
    ("yaml",),
    ("patch",),
    ("transformers",),
    ("generators",),
    ("templates",),
    ("kustomize",),
    ("policies",),
    ("checks",),
    ("report",),
    ("project",),
    ("publish",),
    ("diff",),
    ("explain",),
    ("api",),
    ("lamina",),
    ("cli", "testing"),
]

# What lamina/cli/ may import besides itself: the use cases, the error types it turns into
# exit codes, and the version it prints.
CLI_MAY_IMPORT = {"api", "errors", "version"}
# Library imports the CLI still makes directly, until their use case moves into lamina.api.
# Each entry is a debt; the list only shrinks.
CLI_NOT_YET_THROUGH_API: set[str] = set()


def _module_name(path: Path) -> str:
    parts = ("lamina",) + path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SOURCE.rglob("*.py"))}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The lamina modules (or third-party top-level names) that `name` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                found.add(sub if sub in modules else source)
    return found


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "lamina"


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        targets = {_resolve(t, modules) for t in _imports(name, path, modules)
                   if t == "lamina" or t.startswith("lamina.")}
        graph[name] = {t for t in targets if t and t != name}
    return graph


def _rank() -> dict[str, int]:
    return {pkg: i for i, row in enumerate(LAYERS) for pkg in row}


def test_every_package_has_a_layer() -> None:
    packages = {_package(m) for m in _modules()}
    assert packages - set(_rank()) == set(), "add the new package to LAYERS and docs/architecture.md"


def test_no_import_runs_back_up_or_sideways() -> None:
    rank = _rank()
    wrong = []
    for module, targets in _graph().items():
        mine = _package(module)
        for target in targets:
            theirs = _package(target)
            if theirs != mine and rank[theirs] >= rank[mine]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_no_cycle_between_modules() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:   # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_only_the_cli_imports_click() -> None:
    modules = _modules()
    users = sorted(m for m, p in modules.items()
                   if any(t == "click" or t.startswith("click.") for t in _imports(m, p, modules)))
    assert users and all(_package(m) == "cli" for m in users), users


def test_the_cli_reaches_libraries_only_through_the_api() -> None:
    used = {_package(t) for m, targets in _graph().items() if _package(m) == "cli"
            for t in targets} - {"cli"}
    assert used - CLI_MAY_IMPORT - CLI_NOT_YET_THROUGH_API == set()
    assert CLI_NOT_YET_THROUGH_API <= used, "a debt was paid: drop it from the list"


def test_no_module_imports_another_modules_private_names() -> None:
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lamina"):
                wrong += [f"{name}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert wrong == []


def test_a_back_import_is_caught(tmp_path: Path) -> None:
    """The reader sees imports at any depth, relative ones included."""
    path = tmp_path / "x.py"
    path.write_text("def f():\n    from ..project import render\n    import lamina.api.check\n")
    modules = {"lamina.model.x": path, "lamina.project.render": path, "lamina.api.check": path}
    assert _imports("lamina.model.x", path, modules) >= {"lamina.project.render",
                                                         "lamina.api.check"}
