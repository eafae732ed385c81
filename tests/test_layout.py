"""The shape of the code: imports point down the pipeline, never round in a cycle, and no
module grows past what one person can read."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

SKILL = ROOT / "skill"
# Lowest first: a module may import from its own package or from one listed before it.
LAYERS = [
    ("errors", "paths", "yamldoc", "config"),
    ("content",),
    ("nlu",),
    ("core",),
    ("audio",),
    ("models",),
    ("hearing",),
    ("speaking",),
    ("mqtt",),
    ("wyoming",),
    ("app",),
    ("cli",),
    ("__main__",),
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
MAX_LINES = 400


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """Every skill module this one imports, lazily imported ones included."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("skill")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            if base.startswith("skill"):
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names}  # `from skill.x import mod`
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in SKILL.rglob("*.py")}
    return {
        name: {i for i in _imports(path, name) if i in modules and i != name}
        for name, path in modules.items()
    }


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "errors"  # skill/__init__ sits at the bottom


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    seen: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in seen:
                visit(nxt, [*path, nxt])
        seen[node] = 2

    for start in sorted(graph):
        if start not in seen:
            visit(start, [start])
    return cycles


def test_the_walk_sees_lazy_imports_and_finds_a_cycle() -> None:
    graph = _graph()
    assert len(graph) > 40
    # make_recogniser imports the engines inside the function: still an edge.
    assert "skill.hearing.asr.sphinx" in graph["skill.hearing.asr.select"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_imports_point_down_the_pipeline() -> None:
    upward = []
    for module, imported in _graph().items():
        for other in imported:
            if _stage(other) == _stage(module) or other == "skill":
                continue
            if RANK[_stage(other)] > RANK[_stage(module)]:
                upward.append(f"{module} -> {other}")
    assert sorted(upward) == []


def test_every_stage_has_a_place_in_the_pipeline() -> None:
    stages = {_stage(m) for m in _graph()}
    assert stages <= set(RANK), stages - set(RANK)


def test_no_module_over_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in SKILL.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
