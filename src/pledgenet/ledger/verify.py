"""Re-derive a peer database from scratch and name the first height that does not match.

For each stored block, in height order: the header must decode canonically and hash to the stored hash,
link to the previous block, carry a valid producer signature and the Merkle root of the stored
envelopes; then the block is replayed into a fresh in-memory peer (which re-verifies every transaction
signature, re-executes every contract and re-derives the state root, halting on divergence), and the
stored outcomes, writes, effects root and state root of that height must equal the replayed ones.
Finally the stored world state must equal the replayed one; a state row that differs names the height
of the write it claims (or should have). The genesis block must hash to the alliance's genesis hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pledgenet.crypto.signing import BatchVerifier
from pledgenet.errors import IntegrityError, PledgenetError
from pledgenet.ledger.alliance import read_config
from pledgenet.ledger.block import Block, BlockHeader
from pledgenet.ledger.contract_api import Contract
from pledgenet.ledger.peer import Peer
from pledgenet.ledger.store import DATABASE_ERRORS, Store, is_postgres_url, open_store
from pledgenet.ledger.writeset import height_of


@dataclass(frozen=True)
class VerifyReport:
    path: str
    ok: bool
    height: int
    first_bad_height: int | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "ok": self.ok,
            "height": self.height,
            "first_bad_height": self.first_bad_height,
            "reason": self.reason,
        }


def verify_peer_database(
    path: Path | str, *, contracts: list[Contract], genesis_hash: str, verifier: BatchVerifier | None = None
) -> VerifyReport:
    """Check one peer database (a SQLite path or a ``postgresql://`` URL); never raises for a bad
    database, reports it."""
    if not is_postgres_url(str(path)) and not Path(path).is_file():
        return VerifyReport(str(path), False, -1, 0, "the peer database is missing")
    try:
        stored = open_store(path, read_only=True)
        heights = stored.heights()
    except DATABASE_ERRORS as exc:
        return VerifyReport(str(path), False, -1, 0, f"the database does not open: {exc}")
    except IntegrityError as exc:
        return VerifyReport(str(path), False, -1, 0, f"the database does not open: {exc}")
    top = max(heights, default=-1)
    path = stored.path
    fresh = Peer(":memory:", contracts=contracts, genesis_hash=genesis_hash, verifier=verifier)
    try:
        bad = _replay(stored, fresh, heights)
        if bad is None:
            bad = _compare_state(stored, fresh)
    except DATABASE_ERRORS as exc:
        bad = (0, f"the database is damaged: {exc}")
    finally:
        fresh.close()
        stored.close()
    if bad is None:
        return VerifyReport(str(path), True, top)
    return VerifyReport(str(path), False, top, bad[0], bad[1])


def _replay(stored: Store, fresh: Peer, heights: list[int]) -> tuple[int, str] | None:
    top = max(heights, default=-1)
    if heights != list(range(top + 1)):
        missing = next(h for h in range(top + 1) if h >= len(heights) or heights[h] != h)
        return missing, "block missing from the store"
    for height in range(top + 1):
        row = stored.block_row(height)
        assert row is not None
        header_bytes, signature, effects_root, state_root_after = row
        try:
            header = BlockHeader.decode(header_bytes)
            if header.height != height:
                return height, f"the header stored at height {height} says height {header.height}"
            if stored.block_hash(height) != header.hash:
                return height, "the stored block hash does not match the header"
            fresh.apply_block(Block(header, signature, tuple(stored.block_envelopes(height))))
        except PledgenetError as error:
            return height, f"[{error.code}] {error.message}"
        mine = fresh.store.block_row(height)
        assert mine is not None
        if (mine[2], mine[3]) != (effects_root, state_root_after):
            return height, "the stored effects or state root differs from the replayed one"
        if stored.tx_rows("height = ? ORDER BY idx", (height,)) != fresh.store.tx_rows(
            "height = ? ORDER BY idx", (height,)
        ):
            return height, "stored transaction outcomes differ from the replayed ones"
        if stored.write_set_rows(height) != fresh.store.write_set_rows(height):
            return height, "stored key history differs from the replayed writes"
    return None


def _compare_state(stored: Store, fresh: Peer) -> tuple[int, str] | None:
    mine = fresh.store.state_rows()
    theirs = stored.state_rows()
    differing = mine ^ theirs
    if not differing:
        if stored.write_set_count() != fresh.store.write_set_count():
            return fresh.height, "the writes table holds write sets no block wrote"
        if stored.deletions() != fresh.store.deletions():
            return fresh.height, "the deleted table differs from the replayed deletions"
        return None
    height = min(height_of(row[1]) if isinstance(row[1], int) and row[1] >= 0 else 0 for row in differing)
    keys = sorted({str(row[0]) for row in differing})
    return height, f"world state differs from the replayed state at key(s) {keys[:5]}"


def verify_alliance(directory: Path, *, contracts: list[Contract]) -> list[VerifyReport]:
    """Verify every member peer database of an embedded alliance directory."""
    config = read_config(directory)
    return [
        verify_peer_database(
            directory / "orgs" / org / "peer.db", contracts=contracts, genesis_hash=config.genesis_hash
        )
        for org in config.orgs
    ]
