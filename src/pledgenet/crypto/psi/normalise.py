"""Normalisation of identifiers before PSI: both parties must map the same person to the same bytes.

ID numbers and account numbers arrive with full-width characters (``１１０１０５...``), stray or internal
whitespace, hyphens, and a lower-case check character (``x`` in a resident ID). ``normalise_identifier``
applies, in order: Unicode NFKC (full-width to ASCII, compatibility forms), removal of all whitespace and
of the separators ``- _ . /``, and upper-casing. The result is UTF-8 encoded. Both sides call the same
function, so near-duplicates collapse to one item before hashing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pledgenet.errors import DataError

_DROP = re.compile(r"[\s\-_./\u2010-\u2015\u30fc]+")


def normalise_identifier(identifier: str) -> str:
    """Canonical form of one identifier; refuses identifiers that normalise to nothing."""
    if not isinstance(identifier, str):
        raise DataError(f"identifiers must be strings, got {type(identifier).__name__}")
    canonical = _DROP.sub("", unicodedata.normalize("NFKC", identifier)).upper()
    if not canonical:
        raise DataError(f"identifier {identifier!r} is empty after normalisation")
    return canonical


def normalise_identifiers(identifiers: Iterable[str]) -> list[str]:
    """Normalised identifiers, duplicates removed, first occurrence order kept."""
    seen: dict[str, None] = {}
    for identifier in identifiers:
        seen.setdefault(normalise_identifier(identifier), None)
    return list(seen)
