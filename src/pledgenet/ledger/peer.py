"""A member's peer: validates every block itself and applies it to its own world state.

For each block the peer checks the header (height, previous hash, producer signature, Merkle root of the
transactions, and the state root it must agree with), then every transaction in order:

1. the envelope decodes and has the right shape (``malformed``, ``too_large``),
2. every signer is a current member with a certificate valid at block time (``bad_identity`` codes),
3. every signature verifies (``bad_signature``),
4. the nonce is above the submitter's last one (``replayed_nonce``); from here on the nonce is spent,
5. the contract operation exists (``unknown_operation``) and its handler accepts (contract codes).

Invalid transactions stay in the block with their reason code; their writes are discarded. The whole
block is committed in one SQLite transaction. If the header's state root differs from the root this peer
computed, the peer halts and refuses every further block (``StateDivergence``): a replica that disagrees
must be looked at by a person, not silently carry on.

Signatures of a block are checked in one batch before execution (``pledgenet.crypto.signing``), against
the signer keys as of the block's start; if a governance transaction earlier in the same block changed a
signer's key, that signature is checked again against the new key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pledgenet.crypto.identity import check_certificate
from pledgenet.crypto.merkle import root_of_hashes
from pledgenet.crypto.signing import BatchVerifier, PendingVerification, pack, shared_verifier, verify
from pledgenet.errors import (
    IdentityError,
    IntegrityError,
    InvalidSignature,
    MalformedTransaction,
    PledgenetError,
    ReplayedNonce,
    StateDivergence,
    UnknownOperation,
)
from pledgenet.ledger import writeset
from pledgenet.ledger.block import (
    GENESIS_STATE_ROOT,
    Block,
    effects_leaf_hashes,
    next_state_root,
    outcome_leaf,
    tx_root,
)
from pledgenet.ledger.cache import StateCache
from pledgenet.ledger.context import ExecutionContext, checked_bytes, encode_events
from pledgenet.ledger.contract_api import MEMBER_PREFIX, Contract
from pledgenet.ledger.ordering.base import ChainTip
from pledgenet.ledger.peer_queries import PeerQueries
from pledgenet.ledger.records import TxReceipt
from pledgenet.ledger.store import open_store
from pledgenet.ledger.transaction import Transaction, parse_envelope, raw_tx_id, signing_message
from pledgenet.ledger.writeset import INDEX_BITS, MAX_BLOCK_TXS

NONCE_PREFIX = "ledger/nonce/"
ALLIANCE_KEY = "gov/alliance"
GENESIS_TYPE = "gov.genesis"
ROOT_SIGNER = "root"


@dataclass(frozen=True)
class SignerIdentity:
    public: bytes
    not_before_ms: int
    not_after_ms: int
    serial: int


class Peer(PeerQueries):
    """One organisation's replica of the ledger."""

    def __init__(
        self,
        path: Path | str,
        *,
        contracts: list[Contract],
        org: str = "",
        genesis_hash: str | None = None,
        durability: str = "process",
        verifier: BatchVerifier | None = None,
    ) -> None:
        self.store = open_store(path, durability=durability)
        #: committed state values in memory, refreshed after each committed block
        self.state_cache = StateCache(self.store)
        self.org = org
        self.contracts = {contract.name: contract for contract in contracts}
        self.genesis_hash = genesis_hash
        self.verifier = verifier or shared_verifier()
        self.halted: str | None = None
        #: fault-injection point for the crash test: called inside the block's database transaction
        self.on_commit_midway: Callable[[int], None] | None = None
        self._identities: dict[str, SignerIdentity | None] = {}
        self._producers: dict[str, SignerIdentity] = {}
        tip = self.store.tip()
        if tip is None:
            self._height, self._last_hash, self._state_root, self._last_time = -1, "", GENESIS_STATE_ROOT, 0
        else:
            self._height, self._last_hash, self._state_root, self._last_time = tip
        self.alliance = self.store.meta("alliance") or ""

    # ------------------------------------------------------------------ tip

    @property
    def height(self) -> int:
        """Height of the last committed block (-1 before genesis)."""
        return self._height

    @property
    def last_hash(self) -> str:
        return self._last_hash

    @property
    def state_root(self) -> bytes:
        """State root after the last committed block."""
        return self._state_root

    @property
    def last_timestamp(self) -> int:
        return self._last_time

    def chain_tip(self) -> ChainTip:
        return ChainTip(self._height, self._last_hash, self._state_root, self._last_time)

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------------ identities

    def _root_certificate(self, overlay: dict[str, bytes | None]) -> str:
        record = overlay.get(ALLIANCE_KEY) or self.store.get(ALLIANCE_KEY)
        if record is None:
            raise IntegrityError("no alliance record in state (genesis missing)")
        return str(json.loads(record)["root_certificate"])

    def _identity(self, org: str, overlay: dict[str, bytes | None]) -> SignerIdentity | None:
        if org in self._identities:
            return self._identities[org]
        key = MEMBER_PREFIX + org
        record = overlay[key] if key in overlay else self.store.get(key)
        identity = None
        if record is not None:
            pem = json.loads(record)["certificate"]
            certified = check_certificate(pem, self._root_certificate(overlay), at_ms=None)
            identity = SignerIdentity(
                certified.signing_public, certified.not_before_ms, certified.not_after_ms, certified.serial
            )
        self._identities[org] = identity
        return identity

    def _producer_key(self, producer: str, genesis: Transaction | None, at_ms: int) -> bytes:
        if genesis is not None:
            orderers, root = genesis.args.get("orderers", {}), genesis.args.get("root_certificate", "")
        else:
            cached = self._producers.get(producer)
            if cached is not None and cached.not_before_ms <= at_ms <= cached.not_after_ms:
                return cached.public
            record = json.loads(self.store.get(ALLIANCE_KEY) or b"{}")
            orderers, root = record.get("orderers", {}), record.get("root_certificate", "")
        if producer not in orderers:
            raise IntegrityError(f"block producer {producer!r} is not an orderer of this alliance")
        certified = check_certificate(orderers[producer], root, at_ms=at_ms)
        if certified.org != producer or "orderer" not in certified.roles:
            raise IdentityError(f"certificate of {producer!r} is not an orderer certificate")
        self._producers[producer] = SignerIdentity(
            certified.signing_public, certified.not_before_ms, certified.not_after_ms, certified.serial
        )
        return certified.signing_public

    # ------------------------------------------------------------------ block checks

    def _check_header(
        self, block: Block, parsed: list[Transaction | MalformedTransaction]
    ) -> Transaction | None:
        header = block.header
        genesis: Transaction | None = None
        if header.height == 0:
            first = parsed[0] if len(parsed) == 1 else None
            if not isinstance(first, Transaction) or first.tx_type != GENESIS_TYPE:
                raise IntegrityError("the genesis block must hold exactly one gov.genesis transaction")
            genesis = first
            if self.genesis_hash is not None and block.hash != self.genesis_hash:
                raise IntegrityError(f"genesis hash {block.hash} is not the alliance's {self.genesis_hash}")
        elif header.alliance != self.alliance:
            raise IntegrityError(f"block of alliance {header.alliance!r}, this peer is in {self.alliance!r}")
        if header.prev_hash != self._last_hash:
            raise IntegrityError(f"block {header.height} does not link to block {self._height}'s hash")
        if header.timestamp < self._last_time:
            raise IntegrityError(f"block {header.height} is older than its predecessor")
        if header.tx_count > MAX_BLOCK_TXS:
            raise IntegrityError(
                f"block {header.height} holds {header.tx_count} transactions; the most is {MAX_BLOCK_TXS}"
            )
        if header.tx_count != len(block.txs) or header.tx_root != tx_root(block.txs):
            raise IntegrityError(f"block {header.height}: transactions do not match the header's Merkle root")
        producer = self._producer_key(header.producer, genesis, header.timestamp)
        if not verify(producer, header.signing_message(), block.signature):
            raise InvalidSignature(f"block {header.height}: producer signature does not verify")
        if header.state_root != self._state_root.hex():
            self.halted = (
                f"state divergence at height {header.height}: the header says state root {header.state_root},"
                f" this peer computed {self._state_root.hex()}"
            )
            raise StateDivergence(self.halted)
        return genesis

    # ------------------------------------------------------------------ apply

    def apply_block(self, block: Block) -> list[TxReceipt]:
        """Validate and apply one block; return a receipt per transaction."""
        if self.halted:
            raise StateDivergence(f"peer {self.org or self.store.path} is halted: {self.halted}")
        if block.height <= self._height:
            stored = self.store.block_row(block.height)
            if stored is not None and stored[0] == block.header.encode():
                return self.receipts_at(block.height)
            raise IntegrityError(f"a different block {block.height} is already committed")
        if block.height != self._height + 1:
            raise IntegrityError(f"block {block.height} arrived; the next expected is {self._height + 1}")
        parsed: list[Transaction | MalformedTransaction] = []
        for raw in block.txs:
            try:
                parsed.append(parse_envelope(raw))
            except MalformedTransaction as error:
                parsed.append(error)
        genesis = self._check_header(block, parsed)
        try:
            return self._execute(block, parsed, genesis)
        except BaseException:
            self._identities.clear()
            self.state_cache.clear()
            raise

    def _execute(
        self, block: Block, parsed: list[Transaction | MalformedTransaction], genesis: Transaction | None
    ) -> list[TxReceipt]:
        header = block.header
        height, time = header.height, header.timestamp
        overlay: dict[str, bytes | None] = {}
        if genesis is not None:
            root_pem = genesis.args.get("root_certificate", "")
            root = check_certificate(root_pem, root_pem, at_ms=time)
            self._identities = {ROOT_SIGNER: SignerIdentity(root.signing_public, 0, 2**62, root.serial)}
        # one verification batch for the whole block, keys as of the block's start
        records: list[bytes] = []
        used_keys: list[list[bytes | None]] = []
        for tx in parsed:
            keys: list[bytes | None] = []
            if isinstance(tx, Transaction):
                message_digest = tx.digest
                for org, signature in zip(tx.signers, tx.signatures, strict=True):
                    identity = self._identity(org, overlay)
                    keys.append(identity.public if identity else None)
                    records.append(
                        pack(identity.public if identity else bytes(32), signature, message_digest)
                    )
            used_keys.append(keys)
        verdicts = self.verifier.start(b"".join(records))

        receipts: list[TxReceipt] = []
        #: position of each key's latest write in this block (``ledger.writeset``)
        positions: dict[str, int] = {}
        write_sets: list[tuple[int, bytes]] = []
        #: where the bytes of each key's latest value in this block lie: (position, offset, length)
        located: dict[str, tuple[int, int, int]] = {}
        committed_position = self.state_cache.position
        tx_rows: list[tuple[Any, ...]] = []
        outcomes: list[bytes] = []
        record_index = 0
        for index, (raw, tx) in enumerate(zip(block.txs, parsed, strict=True)):
            result: Any = None
            events: list[dict[str, Any]] = []
            result_bytes: bytes | None = None
            events_bytes: bytes | None = None
            if isinstance(tx, MalformedTransaction):
                tx_id, tx_type, submitter = raw_tx_id(raw), "", ""
                valid, code, message = False, tx.code, tx.message
            else:
                tx_id, tx_type, submitter = tx.tx_id, tx.tx_type, tx.submitter
                first_record = record_index
                record_index += len(tx.signers)
                pos = (height << INDEX_BITS) | index
                entries: list[tuple[str, int, bytes | None]] = []
                try:
                    self._check_signers(tx, time, overlay, used_keys[index], verdicts, first_record)
                    nonce_key = NONCE_PREFIX + tx.submitter
                    last = overlay.get(nonce_key) or self.state_cache.committed(nonce_key)
                    if last is not None and tx.nonce <= int(last):
                        raise ReplayedNonce(f"nonce {tx.nonce} of {tx.submitter!r} was already used")
                    overlay[nonce_key] = nonce_value = str(tx.nonce).encode()
                    previous = (
                        positions[nonce_key] if nonce_key in positions else committed_position(nonce_key)
                    )
                    entries.append((nonce_key, previous, nonce_value))
                    positions[nonce_key] = pos
                    result, result_bytes, events, events_bytes, writes = self._run_handler(
                        tx, overlay, height, time
                    )
                    for key, value in writes.items():
                        overlay[key] = value
                        previous = positions[key] if key in positions else committed_position(key)
                        entries.append((key, previous, value))
                        positions[key] = pos
                        if key.startswith(MEMBER_PREFIX):
                            self._identities.pop(key[len(MEMBER_PREFIX) :], None)
                    valid, code, message = True, "ok", ""
                except PledgenetError as error:
                    valid, code, message = False, error.code, error.message
                    result, result_bytes, events, events_bytes = None, None, [], None
                except Exception as error:  # a handler bug must not crash the peer; it is deterministic
                    valid, code, message = False, "handler_error", f"{type(error).__name__}: {error}"
                    result, result_bytes, events, events_bytes = None, None, [], None
                if entries:  # the nonce is spent even when the handler refused
                    data, offsets = writeset.encode(entries)
                    write_sets.append((pos, data))
                    for (key, _previous, value), offset in zip(entries, offsets, strict=True):
                        if value is not None:
                            located[key] = (pos, offset, len(value))
            outcomes.append(outcome_leaf(index, tx_id, valid, code))
            receipts.append(
                TxReceipt(tx_id, height, index, valid, code, message, tx_type, submitter, events, result)
            )
            tx_rows.append(
                (
                    height,
                    index,
                    tx_id,
                    raw,
                    tx_type,
                    submitter,
                    int(valid),
                    code,
                    message,
                    result_bytes,
                    events_bytes,
                )
            )

        if genesis is not None and not receipts[0].valid:
            raise IntegrityError(
                f"the genesis transaction is invalid: [{receipts[0].code}] {receipts[0].message}"
            )
        effects_root = root_of_hashes(effects_leaf_hashes(overlay, outcomes))
        state_root = next_state_root(self._state_root, height, effects_root)
        upserts = [(k, *located[k]) for k, v in overlay.items() if v is not None]
        deletes = [(k, positions[k]) for k, v in overlay.items() if v is None]
        meta = [("alliance", header.alliance)] if genesis is not None else None
        self.store.commit_block(
            height=height,
            block_hash=block.hash,
            header=header.encode(),
            signature=block.signature,
            effects_root=effects_root,
            state_root_after=state_root,
            tx_rows=tx_rows,
            upserts=upserts,
            deletes=deletes,
            write_sets=write_sets,
            meta=meta,
            midway=self.on_commit_midway,
        )
        self.state_cache.applied(overlay, positions)
        if genesis is not None:
            self.alliance = header.alliance
            self._identities.pop(ROOT_SIGNER, None)
        self._height, self._last_hash, self._state_root, self._last_time = (
            height,
            block.hash,
            state_root,
            time,
        )
        return receipts

    def _check_signers(
        self,
        tx: Transaction,
        time: int,
        overlay: dict[str, bytes | None],
        used: list[bytes | None],
        verdicts: PendingVerification,
        first_record: int,
    ) -> None:
        if tx.alliance != (self.alliance or tx.alliance):
            raise MalformedTransaction(f"transaction is for alliance {tx.alliance!r}", code="wrong_alliance")
        message = signing_message(tx.digest)
        for position, org in enumerate(tx.signers):
            identity = self._identity(org, overlay)
            if identity is None:
                raise IdentityError(f"signer {org!r} is not a member of the alliance", code="unknown_signer")
            if not identity.not_before_ms <= time <= identity.not_after_ms:
                raise IdentityError(
                    f"certificate of {org!r} is not valid at block time", code="certificate_expired"
                )
            if used[position] == identity.public:
                good = verdicts.verdict(first_record + position)
            else:
                good = verify(identity.public, message, tx.signatures[position])
            if not good:
                raise InvalidSignature(f"signature of {org!r} does not verify")

    def _run_handler(
        self, tx: Transaction, overlay: dict[str, bytes | None], height: int, time: int
    ) -> tuple[Any, bytes | None, list[dict[str, Any]], bytes | None, dict[str, bytes | None]]:
        contract = self.contracts.get(tx.contract)
        operation = contract.operations.get(tx.operation) if contract else None
        if operation is None:
            raise UnknownOperation(f"no operation {tx.tx_type!r}")
        ctx = ExecutionContext(
            store=self.store,
            state=self.state_cache,
            overlay=overlay,
            tx_id=tx.tx_id,
            height=height,
            time=time,
            submitter=tx.submitter,
            signers=frozenset(tx.signers),
        )
        result = operation.handler(ctx, tx.args)
        result_bytes = None if result is None else checked_bytes(result)
        return result, result_bytes, ctx.events, encode_events(ctx.event_bytes), ctx.buffer
