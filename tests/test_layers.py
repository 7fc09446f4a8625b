"""The floors of the house: every import of every module under ``src/pledgenet`` points down or sideways
within its own package, and no two modules import each other, directly or around a loop.

The floors, lowest first (docs/architecture.md draws the same table). A module may import from its own
package and from any lower floor, never from a higher one and never from another package on its floor:

    0  errors                    the one exception tree
    1  encoding                  canonical encoding
    2  crypto                    primitives and protocols; knows nothing of ledgers
    3  ledger                    blocks, peers, ordering, the contract interface (ledger.contract_api)
    4  contracts                 the rules every peer runs; contracts.catalog is the composition root
    5  register, fl, attest,     a member's register client; federated learning; attested workers;
       client                    a node's client
    6  risk, data                off-chain supervision (reads the register through register.lookups); a
                                 member's data client, store, sharing, jobs
    7  sim, devcluster, api      the calibrated market and book generators; local servers; a node's API
    8  web                       the dashboard (pages over the API's views) and the reports' pages
    9  demo                      the demo: members, the demo book, the steps, the runner
   10  node                      a member's processes (orderer, node, a local cluster), composition roots
   11  cli                       the command line (nothing below imports it)

Imports are read from the source (``ast``). The floors count every import: module level, function level
and those under ``if TYPE_CHECKING:``; the cycle check counts those that run (a typing-only import back is
how two modules that need each other's types avoid a loop).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "pledgenet"

FLOORS: dict[str, int] = {
    "pledgenet": 0,  # the package's own __init__
    "errors": 0,
    "encoding": 1,
    "crypto": 2,
    "ledger": 3,
    "contracts": 4,
    "register": 5,
    "fl": 5,
    "attest": 5,
    "client": 5,  # the Python client of a member's node (HTTP)
    "risk": 6,
    "data": 6,
    "sim": 7,
    "api": 7,  # a member node's HTTP API (over the register client, risk and the ledger)
    "devcluster": 7,  # throwaway local etcd and PostgreSQL servers (tests, cluster up)
    "web": 8,  # the dashboard: pages over the API's views; the presentation of reports
    "demo": 9,
    "node": 10,
    "cli": 11,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _typing_only(tree: ast.Module) -> set[ast.AST]:
    """The import statements under ``if TYPE_CHECKING:`` (they never run)."""
    guarded: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                guarded.update(ast.walk(inner))
    return guarded


def imports_of(name: str, *, typing_only: bool = True) -> set[str]:
    """The pledgenet modules ``name`` imports (``from package import module`` counts as the module);
    without ``typing_only``, those under ``if TYPE_CHECKING:`` are left out."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(), str(path))
    skipped = set() if typing_only else _typing_only(tree)
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in MODULES else source)
    return {target for target in found if target.split(".")[0] == "pledgenet" and target != name}


GRAPH: dict[str, set[str]] = {name: imports_of(name) for name in MODULES}
RUNTIME_GRAPH: dict[str, set[str]] = {name: imports_of(name, typing_only=False) for name in MODULES}


def floor_of(name: str) -> tuple[str, int]:
    parts = name.split(".")
    area = parts[1] if len(parts) > 1 else "pledgenet"
    assert area in FLOORS, f"{name}: package {area!r} has no floor in tests/test_layers.py (add it there)"
    return area, FLOORS[area]


def test_every_import_points_down_or_stays_in_its_package() -> None:
    # Prepare / Execute
    upward = []
    for name, targets in sorted(GRAPH.items()):
        area, floor = floor_of(name)
        for target in sorted(targets):
            target_area, target_floor = floor_of(target)
            if target_area != area and target_floor >= floor:
                upward.append(f"{name} (floor {floor}) imports {target} (floor {target_floor})")
    # Assert
    assert upward == [], "imports that do not point down:\n" + "\n".join(upward)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_modules_import_each_other_directly_or_around_a_loop() -> None:
    # Execute
    loops = cycles(RUNTIME_GRAPH)
    # Assert
    assert loops == [], "import cycles:\n" + "\n".join(" <-> ".join(loop) for loop in loops)


def test_the_cycle_finder_finds_a_loop_of_three() -> None:
    # Prepare / Execute
    loops = cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    # Assert
    assert loops == [["a", "b", "c"]]


def test_the_governance_key_layout_is_spelled_out_only_in_the_contract_interface() -> None:
    # Prepare / Execute: every module but the one that defines the layout (ledger/contract_api.py)
    spelled = sorted(
        f"{name}: {prefix}"
        for name, path in MODULES.items()
        if name != "pledgenet.ledger.contract_api"
        for prefix in ('"gov/member/', '"gov/param/')
        if prefix in path.read_text()
    )
    # Assert: the others use member_key / param_key / MEMBER_PREFIX / PARAM_PREFIX / members_with_role
    assert spelled == []
