"""A peer's storage: the interface (``base.Store``) and its backends.

``BlockStore`` is the embedded default (one SQLite file, ``sqlite.py``); ``PostgresStore`` keeps the same
tables in a PostgreSQL database (``postgres.py``). ``open_store`` picks the backend from the location: a
``postgresql://`` URL opens PostgreSQL, anything else is a SQLite path (``:memory:`` included).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from pledgenet.ledger.store.base import Store, prefix_upper
from pledgenet.ledger.store.postgres import PostgresStore, is_postgres_url
from pledgenet.ledger.store.sqlite import BlockStore

#: what a damaged or unreachable database raises on either backend (``verify`` reports them)
DATABASE_ERRORS = (sqlite3.DatabaseError, psycopg.Error)

__all__ = [
    "DATABASE_ERRORS",
    "BlockStore",
    "PostgresStore",
    "Store",
    "is_postgres_url",
    "open_store",
    "prefix_upper",
]


def open_store(location: Path | str, *, durability: str = "process", read_only: bool = False) -> Store:
    """Open the peer store at ``location`` (a SQLite path or a ``postgresql://`` URL)."""
    text = str(location)
    if is_postgres_url(text):
        return PostgresStore(text, durability=durability, read_only=read_only)
    return BlockStore(location, durability=durability, read_only=read_only)
