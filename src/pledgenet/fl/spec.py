"""The parsed job file: :class:`Job` (parties, components and their parameters, split, outputs).

Built by :func:`pledgenet.fl.job.load_job` after every check has passed; components read it through
:class:`~pledgenet.fl.components.registry.PartyContext`. This module imports no component and no runner.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pledgenet.fl.data import PartyData, load_party_csv

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Job:
    name: str
    parties: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]
    test_share: float
    output: Path
    base_dir: Path
    settings: dict[str, Any] = field(default_factory=dict)  # alliance_root, connect_timeout
    min_aligned_rows: int = 100  # fewer aligned rows: refused before training
    min_class_rows: int = 10  # fewer rows of either class in the train or the test split: refused

    @property
    def guest(self) -> str:
        return next(p for p, spec in self.parties.items() if spec.get("role") == "guest")

    @property
    def hosts(self) -> list[str]:
        return [p for p, spec in self.parties.items() if spec.get("role") == "host"]

    @property
    def coordinator(self) -> str | None:
        return next((p for p, spec in self.parties.items() if spec.get("role") == "coordinator"), None)

    def fingerprint(self) -> str:
        """The job's id on the network: a hash of what every party must agree on (name, split, minimums,
        components and their parameters, each party's role and organisation), not of local paths."""
        agreed = {
            "name": self.name,
            "test_share": self.test_share,
            "minimums": [self.min_aligned_rows, self.min_class_rows],
            "components": self.components,
            "parties": {p: [spec.get("role"), spec.get("org")] for p, spec in self.parties.items()},
        }
        digest = hashlib.sha256(json.dumps(agreed, sort_keys=True, default=str).encode()).hexdigest()
        return f"{self.name}/{digest[:32]}"

    def path(self, value: str) -> Path:
        """A path from the job file: absolute, or relative to ``base_dir``."""
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path

    def load(self, party: str) -> PartyData:
        spec = self.parties[party]
        return load_party_csv(
            self.path(spec["data"]),
            id_column=spec.get("id", "id"),
            label_column=spec.get("label") if spec.get("role") == "guest" else None,
            feature_columns=spec.get("features"),
            party=party,
        )
