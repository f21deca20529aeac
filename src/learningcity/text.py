"""Text helpers shared by every app: Vietnamese text is stored in NFC and searched with diacritics folded."""

from __future__ import annotations

import unicodedata

import polars as pl


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


def fold_expr(text: pl.Expr) -> pl.Expr:
    """`fold` as a Polars expression: a whole column folded in native code, with no Python call per row."""
    stripped = text.str.normalize("NFD").str.replace_all(r"\p{M}", "").str.replace_all("[đĐ]", "d")
    return stripped.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
