"""Text helpers shared by every app: Vietnamese text is stored in NFC and searched with diacritics folded."""

from __future__ import annotations

import unicodedata


def nfc(value: str) -> str:
    """Normalise to NFC and trim, as every piece of user text is stored."""
    return unicodedata.normalize("NFC", value).strip()


def fold(value: str) -> str:
    """Fold for search: decompose, drop combining marks, map đ/Đ (which has no decomposition), lower-case.

    "Chiềng Cơi" and "chieng coi" fold to the same key, on SQLite as on PostgreSQL.
    """
    decomposed = unicodedata.normalize("NFD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("đ", "d").replace("Đ", "D").lower().split())
