"""A member's dataset store: the files it owns, one canonical CSV per version, beside the chain.

Layout, under the member's folder of the alliance (``orgs/<org>/datasets/``)::

    <dataset>/v000001.csv     the canonical file of version 1 (its Merkle root is on the chain)
    <dataset>/v000001.json    the column ids the version's schema gives each column name

The files never leave the owner except as sealed copies for a grantee (``pledgenet.data.sharing``).
"""

from __future__ import annotations

import json
from pathlib import Path

from pledgenet.data.files import Table, read_table, to_csv
from pledgenet.errors import ConfigError


class DataStore:
    """The dataset files of one member."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _base(self, dataset: str, version: int) -> Path:
        return self.root / dataset / f"v{version:06d}"

    def csv_path(self, dataset: str, version: int) -> Path:
        return self._base(dataset, version).with_suffix(".csv")

    def put(self, dataset: str, version: int, table: Table, ids: dict[str, str]) -> Path:
        """Keep ``table`` as the canonical file of ``dataset``'s ``version`` with its column ids."""
        path = self.csv_path(dataset, version)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_csv(table), encoding="utf-8")
        self._base(dataset, version).with_suffix(".json").write_text(json.dumps({"ids": ids}, indent=2))
        return path

    def has(self, dataset: str, version: int) -> bool:
        return self.csv_path(dataset, version).exists()

    def table(self, dataset: str, version: int) -> Table:
        if not self.has(dataset, version):
            raise ConfigError(f"this member's store has no file of {dataset} version {version}")
        return read_table(self.csv_path(dataset, version))

    def names_by_id(self, dataset: str, version: int) -> dict[str, str]:
        """Column id -> column name of a stored version."""
        path = self._base(dataset, version).with_suffix(".json")
        if not path.exists():
            raise ConfigError(f"this member's store has no schema of {dataset} version {version}")
        ids: dict[str, str] = json.loads(path.read_text())["ids"]
        return {column_id: name for name, column_id in ids.items()}
