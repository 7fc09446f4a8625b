"""The FL and PSI packages import in one direction only: no module imports another that imports it back.

Every import counts, wherever it sits (top, bottom, inside a function, under ``TYPE_CHECKING``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pledgenet

SRC = Path(pledgenet.__file__).resolve().parent
PACKAGES = ("pledgenet.fl", "pledgenet.crypto.psi")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        root = SRC.parent.joinpath(*package.split("."))
        for path in root.rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _imports(path: Path, known: set[str]) -> set[str]:
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                targets.add(sub if sub in known else node.module)
    return targets & known


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_fl_and_psi_modules_import_each_other_in_one_direction_only() -> None:
    # Prepare
    modules = _modules()
    graph = {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}

    # Execute
    cycle = _cycle(graph)

    # Assert
    assert cycle is None, " -> ".join(cycle or [])
    assert "pledgenet.fl.components.registry" in graph  # the walk saw the packages it guards
    assert graph["pledgenet.fl.job"] >= {"pledgenet.fl.components", "pledgenet.fl.spec"}


def test_the_walk_finds_a_cycle_through_a_function_level_import() -> None:
    # Prepare
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    # Execute
    cycle = _cycle(graph)

    # Assert
    assert cycle == ["a", "b", "c", "a"]
