"""Official unit codes as files write them: spreadsheets drop leading zeros ("03646" becomes 3646) and the
official lists keep them, so a code is compared in one canonical form, its digits without leading zeros
(as units store it)."""

from __future__ import annotations


def official_code(text: str) -> str | None:
    """`text` as a unit code: its ASCII digits without leading zeros ("03646" → "3646", "000" → "0"), or
    None when it is not a whole number written in ASCII digits."""
    text = text.strip()
    if not (text.isdecimal() and text.isascii()):
        return None
    return text.lstrip("0") or "0"
