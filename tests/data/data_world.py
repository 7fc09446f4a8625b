"""A small alliance for the data-governance tests: a registrar, a regulator, a bank, two brokers; the bank's
level-3 dataset (the breast host file, with hidden level-3 names) and the broker's own (the guest file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pledgenet.contracts.catalog import init_alliance
from pledgenet.data.client import DataClient
from pledgenet.data.sharing import OwnerService
from pledgenet.ledger.alliance import Alliance, MemberSpec

DATA = Path(__file__).resolve().parents[2] / "data"
START_MS = 1_767_225_600_000  # 2026-01-01
DAY_MS = 86_400_000
MEMBERS = [
    MemberSpec("registrar", ["registrar", "governing"]),
    MemberSpec("regulator", ["regulator"]),
    MemberSpec("bank-01", ["bank"]),
    MemberSpec("broker-01", ["broker"]),
    MemberSpec("broker-02", ["broker"]),
]
BANK_COLUMNS: dict[str, dict[str, Any]] = {
    "id": {"level": 3, "pi": "C2"},
    **{f"x{i}": {"level": 3} for i in range(5)},
}


@dataclass
class Clock:
    now: int = START_MS

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


@dataclass
class World:
    alliance: Alliance
    clock: Clock
    clients: dict[str, DataClient] = field(default_factory=dict)

    def __getitem__(self, org: str) -> DataClient:
        if org not in self.clients:
            self.clients[org] = DataClient(self.alliance, org)
        return self.clients[org]

    def service(self, org: str) -> OwnerService:
        return OwnerService(self[org])

    def data_state(self) -> dict[str, Any]:
        """Everything the data contract keeps, as the regulator's peer has it."""
        return dict(self.alliance.peer("regulator").range("data/"))


def make_world(directory: Path, params: dict[str, Any] | None = None, start_ms: int = START_MS) -> World:
    clock = Clock(start_ms)
    world = World(init_alliance(directory, MEMBERS, clock=clock, params=params), clock)
    world["bank-01"].register(
        "bank-credit",
        DATA / "breast_hetero_host.csv",
        title="Borrower credit features",
        description="credit features of the bank's borrowers",
        level=3,
        columns=BANK_COLUMNS,
        hide_names=True,
    )
    world["broker-01"].register(
        "broker-defaults",
        DATA / "breast_hetero_guest.csv",
        title="Pledgor defaults",
        description="default labels of the broker's pledgors",
        level=3,
        columns={"id": {"level": 3, "pi": "C2"}, "y": {"level": 3}},
    )
    return world


def all_columns(world: World, dataset: str) -> list[str]:
    return [column["id"] for column in world["registrar"].dataset(dataset)["schema"]]


def approved_grant(world: World, *, operations: list[str], max_uses: int = 5, days: int = 30) -> str:
    """The broker's grant on the bank's dataset for credit modelling, approved by registrar and bank."""
    grant = world["broker-01"].request(
        "bank-credit",
        columns=all_columns(world, "bank-credit"),
        purpose="credit_modelling",
        operations=operations,
        days=days,
        max_uses=max_uses,
    )
    world["registrar"].approve(grant)
    world["bank-01"].approve(grant)
    return grant
