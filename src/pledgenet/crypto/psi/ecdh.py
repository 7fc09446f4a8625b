"""Two-party PSI as message-passing parties: the receiver learns the intersection, its size, or the
sender's payloads for common items; the sender learns only the receiver's set size.

Construction (semi-honest; see docs/protocols.md): an OPRF ``F_b(x) = [b] H(x)`` on Curve25519.

1. receiver -> sender ``REQUEST``: ``[a] H(x)`` for each receiver item, in chunks (uniformly random
   points: they carry no item in a recoverable form);
2. sender -> receiver ``ANSWER``: ``[b]`` applied to each point, in request order, or, in size mode, all
   answers shuffled together before any is sent;
3. sender -> receiver ``SET``: for each sender item, in a random order, ``tag(F_b(y))`` (16 bytes) and in
   payload mode the payload sealed with ChaCha20-Poly1305 under a key derived from ``F_b(y)``.

The receiver unblinds answers to ``F_b(x)``, compares tags, and opens only the payloads of common items.
All messages are bytes; the first byte names the kind, so a party refuses messages out of order.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from pledgenet.crypto.prg import Prg
from pledgenet.crypto.psi import group
from pledgenet.crypto.psi.normalise import normalise_identifier, normalise_identifiers
from pledgenet.crypto.psi.types import PsiMode, PsiResult, Transcript
from pledgenet.errors import DataError, ProtocolError

DEFAULT_CHUNK = 8192
REQUEST, ANSWER, SET = b"Q", b"A", b"S"
_NONCE = bytes(12)
_TAG_DTYPE = np.dtype("S16")


def _chunks(values: Sequence[bytes], size: int) -> Iterator[Sequence[bytes]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _body(message: bytes, kind: bytes) -> bytes:
    if not message[:1] == kind:
        raise ProtocolError(f"expected a {kind!r} message, got {message[:1]!r}")
    return message[1:]


class PsiReceiver:
    """The party that learns the result. Pass ``runner`` (a ``group.BatchRunner``) to use several cores."""

    def __init__(
        self,
        items: Iterable[str],
        *,
        mode: PsiMode | str = PsiMode.INTERSECTION,
        chunk_size: int = DEFAULT_CHUNK,
        runner: group.BatchRunner | None = None,
    ) -> None:
        self.mode = PsiMode(mode)
        self.items = normalise_identifiers(items)
        self.chunk_size = chunk_size
        self.runner = runner or group.BatchRunner(1)
        self._blind, self._unblind = group.new_blinding_pair()
        self._answers: list[bytes] = []
        self._answered = 0
        self._own_tags: np.ndarray | None = None
        self._sender_tags: list[np.ndarray] = []
        self._keys: dict[bytes, tuple[int, bytes]] = {}
        self._payloads: dict[str, bytes] = {}

    def requests(self) -> Iterator[bytes]:
        """``REQUEST`` messages, one per chunk of items."""
        encoded = [item.encode() for item in self.items]
        jobs = ((chunk, self._blind) for chunk in _chunks(encoded, self.chunk_size))
        for batch in self.runner.map(group.blind_items, jobs):
            yield REQUEST + batch

    def receive_answers(self, messages: Iterable[bytes]) -> None:
        """Take ``ANSWER`` messages (in order unless in size mode); unblinds them over the runner."""
        with_keys = self.mode is PsiMode.PAYLOAD
        jobs = ((_body(m, ANSWER), self._unblind, with_keys) for m in messages)
        width = group.TAG_BYTES + (32 if with_keys else 0)
        for result in self.runner.map(group.unblind_tags, jobs):
            for offset in range(0, len(result), width):
                record = result[offset : offset + width]
                if with_keys:
                    self._keys[record[: group.TAG_BYTES]] = (self._answered, record[group.TAG_BYTES :])
                self._answered += 1
            self._answers.append(
                b"".join(result[o : o + group.TAG_BYTES] for o in range(0, len(result), width))
            )
        if self._answered > len(self.items):
            raise ProtocolError("more answers than requested items")

    def _finish_answers(self) -> np.ndarray:
        if self._own_tags is None:
            if self._answered != len(self.items):
                raise ProtocolError(f"{self._answered} answers for {len(self.items)} requested items")
            self._own_tags = np.frombuffer(b"".join(self._answers), dtype=_TAG_DTYPE)
            self._answers.clear()
        return self._own_tags

    def receive_set(self, message: bytes) -> None:
        """Take one ``SET`` message (after all answers)."""
        body = _body(message, SET)
        self._finish_answers()
        if self.mode is not PsiMode.PAYLOAD:
            if len(body) % group.TAG_BYTES:
                raise ProtocolError("a set message is not a whole number of tags")
            self._sender_tags.append(np.frombuffer(body, dtype=_TAG_DTYPE))
            return
        offset = 0
        while offset < len(body):
            if offset + group.TAG_BYTES + 4 > len(body):
                raise ProtocolError("truncated payload record")
            tag = body[offset : offset + group.TAG_BYTES]
            (length,) = struct.unpack(">I", body[offset + group.TAG_BYTES : offset + group.TAG_BYTES + 4])
            start = offset + group.TAG_BYTES + 4
            sealed = body[start : start + length]
            if len(sealed) != length:
                raise ProtocolError("truncated payload record")
            offset = start + length
            match = self._keys.get(tag)
            if match is not None:
                index, key = match
                try:
                    self._payloads[self.items[index]] = ChaCha20Poly1305(key).decrypt(_NONCE, sealed, tag)
                except InvalidTag:
                    raise ProtocolError("a payload does not open under its item's key") from None

    def result(self) -> PsiResult:
        """The outcome; call after the last ``SET`` message."""
        own = self._finish_answers()
        if self.mode is PsiMode.PAYLOAD:
            common = [item for item in self.items if item in self._payloads]
            return PsiResult(self.mode, len(common), common, dict(self._payloads))
        theirs = np.concatenate(self._sender_tags) if self._sender_tags else np.empty(0, dtype=_TAG_DTYPE)
        found = np.isin(own, theirs)
        if self.mode is PsiMode.SIZE:
            return PsiResult(self.mode, int(found.sum()))
        common = [self.items[i] for i in np.flatnonzero(found)]
        return PsiResult(self.mode, len(common), common)


class PsiSender:
    """The party that answers; it learns how many items the receiver has, nothing else."""

    def __init__(
        self,
        items: Iterable[str],
        *,
        mode: PsiMode | str = PsiMode.INTERSECTION,
        payloads: Sequence[bytes] | None = None,
        chunk_size: int = DEFAULT_CHUNK,
        runner: group.BatchRunner | None = None,
    ) -> None:
        self.mode = PsiMode(mode)
        self.chunk_size = chunk_size
        self.runner = runner or group.BatchRunner(1)
        self._key = group.new_scalar()
        self._prg = Prg.fresh(b"psi-sender-shuffle")
        raw = list(items)
        if self.mode is PsiMode.PAYLOAD:
            if payloads is None or len(payloads) != len(raw):
                raise DataError("payload mode needs one payload per sender item")
            merged: dict[str, bytes] = {}
            for item, payload in zip(raw, payloads, strict=True):
                key = normalise_identifier(item)
                if merged.setdefault(key, payload) != payload:
                    raise DataError(f"item {key!r} appears twice with different payloads")
            self.items, self.payloads = list(merged), list(merged.values())
        else:
            if payloads is not None:
                raise DataError("payloads are only sent in payload mode")
            self.items, self.payloads = normalise_identifiers(raw), []
        self._buffered: list[bytes] = []

    def answers(self, requests: Iterable[bytes]) -> Iterator[bytes]:
        """``ANSWER`` messages for ``REQUEST`` messages; in size mode nothing until ``shuffled_answers``."""
        jobs = ((_body(m, REQUEST), self._key) for m in requests)
        for batch in self.runner.map(group.evaluate_points, jobs):
            if self.mode is PsiMode.SIZE:
                self._buffered.append(batch)
            else:
                yield ANSWER + batch

    def shuffled_answers(self) -> Iterator[bytes]:
        """Size mode: every answer, shuffled across all chunks, so positions say nothing."""
        points = group.split_points(b"".join(self._buffered))
        self._buffered.clear()
        order = self._prg.permutation(len(points))
        shuffled = [points[i] for i in order]
        for chunk in _chunks(shuffled, self.chunk_size):
            yield ANSWER + b"".join(chunk)

    def set_messages(self) -> Iterator[bytes]:
        """``SET`` messages: the sender's tags (and sealed payloads) in a uniformly random order."""
        order = self._prg.permutation(len(self.items))
        encoded = [self.items[i].encode() for i in order]
        with_keys = self.mode is PsiMode.PAYLOAD
        jobs = ((chunk, self._key, with_keys) for chunk in _chunks(encoded, self.chunk_size))
        width = group.TAG_BYTES + (32 if with_keys else 0)
        position = 0
        for batch in self.runner.map(group.item_tags, jobs):
            if not with_keys:
                yield SET + batch
                continue
            records = []
            for offset in range(0, len(batch), width):
                tag, key = (
                    batch[offset : offset + group.TAG_BYTES],
                    batch[offset + group.TAG_BYTES : offset + width],
                )
                sealed = ChaCha20Poly1305(key).encrypt(_NONCE, self.payloads[int(order[position])], tag)
                records.append(tag + struct.pack(">I", len(sealed)) + sealed)
                position += 1
            yield SET + b"".join(records)


def run_two_party(
    receiver: PsiReceiver, sender: PsiSender, transcript: Transcript | None = None
) -> PsiResult:
    """Run the whole protocol in this process (both parties local), optionally recording the messages."""
    if receiver.mode is not sender.mode:
        raise ProtocolError("receiver and sender disagree on the PSI mode")
    log = transcript if transcript is not None else Transcript()

    def to_sender(messages: Iterable[bytes]) -> Iterator[bytes]:
        for message in messages:
            log.to_sender.append(message) if transcript is not None else None
            yield message

    def to_receiver(messages: Iterable[bytes]) -> Iterator[bytes]:
        for message in messages:
            log.to_receiver.append(message) if transcript is not None else None
            yield message

    answers = sender.answers(to_sender(receiver.requests()))
    if sender.mode is PsiMode.SIZE:
        for _ in answers:
            pass
        answers = sender.shuffled_answers()
    receiver.receive_answers(to_receiver(answers))
    for message in to_receiver(sender.set_messages()):
        receiver.receive_set(message)
    return receiver.result()
