"""The canonical form of a dataset file and its content commitment.

A dataset is a CSV file with a header. Its canonical form is its columns, each the column's name and its
cells as text exactly as written (rows in file order). The content commitment on the chain is the Merkle
root (``crypto.merkle``, RFC 6962 shape) over one leaf per column, ``canonical({"column": name, "values":
[...]})``, so a copy of some columns can be checked against the chain with their inclusion proofs while
the other columns stay with the owner (the proofs show those columns' leaf hashes, never their cells).
A changed cell, a reordered row or a renamed column changes the root.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pledgenet.crypto.merkle import inclusion_proof, leaf_hash, root_from_proof, root_of_hashes
from pledgenet.encoding import canonical
from pledgenet.errors import ConfigError, ContentMismatch, DataError


@dataclass(frozen=True)
class Table:
    """A dataset's columns in canonical form."""

    names: list[str]
    columns: list[list[str]]

    @property
    def rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def column(self, name: str) -> list[str]:
        return self.columns[self.names.index(name)]


def parse_csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text))
    lines = [row for row in reader if row]
    if not lines:
        raise DataError("a dataset file needs a header line")
    names = lines[0]
    if len(set(names)) != len(names) or any(not name for name in names):
        raise DataError("a dataset's column names must be distinct and non-empty")
    for number, row in enumerate(lines[1:], start=2):
        if len(row) != len(names):
            raise DataError(f"line {number} has {len(row)} cells, the header {len(names)}")
    return Table(names, [[row[i] for row in lines[1:]] for i in range(len(names))])


def read_table(path: Path) -> Table:
    try:
        return parse_csv(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"dataset file {path} does not exist") from None


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.names)
    writer.writerows(zip(*table.columns, strict=True))
    return out.getvalue()


def column_leaf(name: str, values: list[str]) -> bytes:
    return canonical({"column": name, "values": values})


def _leaf_hashes(table: Table) -> list[bytes]:
    return [
        leaf_hash(column_leaf(name, values)) for name, values in zip(table.names, table.columns, strict=True)
    ]


def commitment(table: Table) -> str:
    """The content commitment: the Merkle root over the table's columns, hex."""
    return root_of_hashes(_leaf_hashes(table)).hex()


def infer_type(values: list[str]) -> str:
    """The schema type of a column's cells: integer, number, boolean or string."""
    present = [value for value in values if value != ""]

    def all_parse(kind: type) -> bool:
        try:
            for value in present:
                kind(value)
        except ValueError:
            return False
        return True

    if present and all(value.lower() in ("true", "false") for value in present):
        return "boolean"
    if all_parse(int):
        return "integer"
    return "number" if all_parse(float) else "string"


def extract(table: Table, names: list[str]) -> dict[str, Any]:
    """A copy of some columns with their inclusion proofs (what the owner seals for a grantee)."""
    hashes = _leaf_hashes(table)
    proofs = {}
    for name in names:
        path = inclusion_proof(hashes, table.names.index(name))
        proofs[name] = {
            "index": table.names.index(name),
            "path": [[is_left, sibling.hex()] for is_left, sibling in path],
        }
    return {"columns": {name: table.column(name) for name in names}, "proofs": proofs}


def check_copy(copy: Mapping[str, Any], content_hash: str) -> Table:
    """Check every column of a copy against the on-chain commitment; the copy as a table."""
    proofs = copy["proofs"]
    missing = sorted(set(copy["columns"]) - set(proofs))
    if missing:
        raise ContentMismatch(f"column {missing[0]} comes without its inclusion proof")
    names = sorted(copy["columns"], key=lambda name: int(proofs[name]["index"]))  # the file's order
    for name in names:
        proof = proofs[name]
        path = [(bool(is_left), bytes.fromhex(sibling)) for is_left, sibling in proof["path"]]
        root = root_from_proof(leaf_hash(column_leaf(name, list(copy["columns"][name]))), path)
        if root.hex() != content_hash:
            raise ContentMismatch(f"column {name} of the copy does not match the dataset's commitment")
    return Table(names, [list(copy["columns"][name]) for name in names])
