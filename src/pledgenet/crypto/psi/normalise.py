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


# ASCII is NFKC-stable, so for ASCII input the same result is a deletion table (much faster).
_ASCII_DROP = {code: None for code in range(128) if _DROP.fullmatch(chr(code))}


def normalise_identifier(identifier: str) -> str:
    """Canonical form of one identifier; refuses identifiers that normalise to nothing."""
    if not isinstance(identifier, str):
        raise DataError(f"identifiers must be strings, got {type(identifier).__name__}")
    if identifier.isascii():
        canonical = (identifier if identifier.isalnum() else identifier.translate(_ASCII_DROP)).upper()
    else:
        canonical = _DROP.sub("", unicodedata.normalize("NFKC", identifier)).upper()
    if not canonical:
        raise DataError(f"identifier {identifier!r} is empty after normalisation")
    return canonical


def normalise_identifiers(identifiers: Iterable[str]) -> list[str]:
    """Normalised identifiers, duplicates removed, first occurrence order kept."""
    return list(dict.fromkeys(map(normalise_identifier, identifiers)))
