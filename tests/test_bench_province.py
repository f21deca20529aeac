"""The benchmark's province generator: deterministic from its seed, unique ID numbers, real communes, and the
columns of the import template (so the benchmark's file goes through the users' own import path)."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import province  # noqa: E402 - the benchmark's own module, found on the path above


def test_the_same_seed_gives_the_same_province_and_another_seed_another() -> None:
    first, again, other = province.generate(3000, 7), province.generate(3000, 7), province.generate(3000, 8)
    assert first.citizens.equals(again.citizens) and first.families.equals(again.families)
    assert not first.citizens.equals(other.citizens)


def test_people_households_and_hamlets_are_believable() -> None:
    made = province.generate(40_000, 2026)
    citizens = made.citizens
    assert citizens.columns == province.CITIZEN_HEADER
    assert citizens.height == 40_000 and made.families.height == round(40_000 / 3.5)
    assert citizens.get_column("Số định danh cá nhân").n_unique() == 40_000
    assert set(citizens.get_column("Mã xã, phường").unique()) <= set(province.communes())
    shares = citizens.get_column("Dân tộc").value_counts(normalize=True).rows()
    assert dict(shares)["Thái"] > 0.45 and dict(shares)["Kinh"] > 0.1
    # Most pass, some are drafts with answers missing.
    drafts = citizens.filter(pl.col("i3_2").is_null()).height / citizens.height
    assert 0.08 < drafts < 0.16
