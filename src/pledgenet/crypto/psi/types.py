"""Shared PSI types: the modes, what the receiver learns, and a transcript of the messages.

Both constructions (``ecdh.py``, ``kkrt.py``) and the dispatcher (``dispatch.py``) use them; this module
imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PsiMode(StrEnum):
    INTERSECTION = "intersection"
    SIZE = "size"
    PAYLOAD = "payload"


@dataclass
class PsiResult:
    """What the receiver learned. ``intersection``/``payloads`` are ``None`` when the mode hides them."""

    mode: PsiMode
    size: int
    intersection: list[str] | None = None
    payloads: dict[str, bytes] | None = None


@dataclass
class Transcript:
    """Every message exchanged, by direction (for tests and byte counts)."""

    to_sender: list[bytes] = field(default_factory=list)
    to_receiver: list[bytes] = field(default_factory=list)

    @property
    def bytes_sent(self) -> int:
        return sum(map(len, self.to_sender)) + sum(map(len, self.to_receiver))
