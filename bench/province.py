"""A realistic province for the benchmarks, deterministic from a seed, generated as columns (Polars).

    .venv/bin/python bench/province.py --people 1000000 --out /tmp/province [--xlsx]

The province is Sơn La (today's code 14) with its real communes, from the official unit list shipped with the
platform; hamlets ("Tổ 1", "Bản 2" …) are made up, about 400 people each, and households hold about 3.5
people. People get Kinh, Thái, Mông, Mường and Dao names in their real proportions in Sơn La, ages 15 to 90,
a citizen group, a unique ID card number, and self-assessment marks spread like real registers: most pass,
some fall short on one indicator, some are drafts with answers missing.

Nothing here is random in the library sense: every value is a hash of (seed, row, column), so the same seed
gives the same bytes on every machine, and ten million rows take seconds.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
COMMUNES_CSV = ROOT / "src/learningcity/territory/data/vn/communes_2025.csv"
PROVINCE = "14"  # Sơn La
PEOPLE_PER_HAMLET = 400
PEOPLE_PER_HOUSEHOLD = 3.5
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header
CODES = [
    f"i{a}_{b}" for a, b in ((1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (2, 4), (3, 1), (3, 2))
]
FAMILY_CODES = ["c1_1", "c1_2", "c1_3", "c2_1"]
# Ethnic groups of Sơn La with their rough shares (Thái about half, Kinh a sixth, Mông a sixth …).
ETHNICITIES = [("Thái", 53), ("Kinh", 17), ("Mông", 16), ("Mường", 8), ("Dao", 3), ("Khơ Mú", 3)]
FAMILY_NAMES = {
    "Thái": ["Lò", "Cầm", "Quàng", "Lường", "Vì", "Tòng", "Hoàng", "Điêu"],
    "Kinh": ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"],
    "Mông": ["Giàng", "Sùng", "Thào", "Vừ", "Mùa", "Hờ", "Lầu", "Tráng"],
    "Mường": ["Đinh", "Bùi", "Quách", "Hà", "Xa", "Phạm", "Đinh", "Bùi"],
    "Dao": ["Bàn", "Triệu", "Đặng", "Lý", "Phùn", "Chảo", "Bàn", "Triệu"],
    "Khơ Mú": ["Lò", "Vi", "Cầm", "Quàng", "Lò", "Vi", "Cầm", "Quàng"],
}
MIDDLE = {"M": ["Văn", "Đức", "Minh", "A"], "F": ["Thị", "Thu", "Ngọc", "Thị"]}
GIVEN = {
    "M": ["Ún", "Pọm", "Hặc", "Biên", "Xôm", "Toàn", "Hải", "Khánh", "Tùng", "Sơn", "Dũng", "Chính"],
    "F": ["Ón", "Lả", "Hoa", "Ánh", "Trang", "Mai", "Hương", "Ngọc", "Lan", "Thu", "Xuân", "Dung"],
}
CITIZEN_HEADER = [
    "Mã xã, phường",
    "Thôn, tổ dân phố",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Số định danh cá nhân",
    "Nhóm đối tượng",
    *CODES,
    *[f"Minh chứng {code}" for code in CODES],
]
FAMILY_HEADER = ["Mã xã, phường", "Thôn, tổ dân phố", "Số hộ trong sổ", "Tên hộ", *FAMILY_CODES]


@dataclass
class Province:
    hamlets: pl.DataFrame  # commune, name, code
    citizens: pl.DataFrame  # the learning-citizen register, in the import template's columns
    families: pl.DataFrame  # the learning-family register


def _u(seed: int, salt: int, n: pl.Expr | None = None) -> pl.Expr:
    """A deterministic pseudo-random integer per row (a hash of the row number, the seed and a salt)."""
    row = pl.int_range(pl.len(), dtype=pl.UInt64) if n is None else n
    offset = (seed * 0xBF58476D1CE4E5B9 + salt * 0x94D049BB133111EB) % 2**64  # stays an unsigned 64-bit value
    return (row * 0x9E3779B97F4A7C15 + pl.lit(offset, dtype=pl.UInt64)).hash(seed + salt)


def _pick(seed: int, salt: int, choices: list[str]) -> pl.Expr:
    return pl.lit(pl.Series(choices)).gather((_u(seed, salt) % len(choices)).cast(pl.Int64))


def communes() -> list[str]:
    with COMMUNES_CSV.open(encoding="utf-8") as file:
        return [row["code"] for row in csv.DictReader(file) if row["province_code"] == PROVINCE]


def generate(people: int, seed: int = 2026) -> Province:
    codes = communes()
    hamlet_count = max(len(codes), round(people / PEOPLE_PER_HAMLET))
    hamlets = (
        pl.DataFrame({"index": pl.int_range(hamlet_count, eager=True)})
        .with_columns(
            pl.lit(pl.Series(codes)).gather(pl.col("index") % len(codes)).alias("commune"),
            (pl.col("index") // len(codes) + 1).alias("number"),
        )
        .with_columns(
            pl.when(pl.col("number") % 3 == 0)
            .then(pl.format("Bản {}", pl.col("number")))
            .otherwise(pl.format("Tổ {}", pl.col("number")))
            .alias("name"),
            pl.format("b-{}", pl.col("number")).alias("code"),
        )
        .select("commune", "name", "code")
    )
    weights = [share for _name, share in ETHNICITIES]
    bounds = [sum(weights[: i + 1]) for i in range(len(weights))]
    frame = pl.DataFrame({"row": pl.int_range(people, eager=True)}).with_columns(
        (_u(seed, 1) % hamlet_count).cast(pl.Int64).alias("hamlet"),
        (_u(seed, 2) % 100).cast(pl.Int64).alias("ethnic_roll"),
        pl.when(_u(seed, 3) % 2 == 0).then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
        (15 + _u(seed, 4) % 76).cast(pl.Int64).alias("age"),
        (_u(seed, 5) % 100).cast(pl.Int64).alias("outcome"),
    )
    ethnicity = pl.lit(ETHNICITIES[-1][0])
    for (name, _share), bound in reversed(list(zip(ETHNICITIES, bounds, strict=True))):
        ethnicity = pl.when(pl.col("ethnic_roll") < bound).then(pl.lit(name)).otherwise(ethnicity)
    frame = frame.with_columns(ethnicity.alias("ethnicity"))
    family = pl.lit(None, dtype=pl.String)
    for name, names in FAMILY_NAMES.items():
        family = pl.when(pl.col("ethnicity") == name).then(_pick(seed, 6, names)).otherwise(family)
    middle = (
        pl.when(pl.col("sex") == "M").then(_pick(seed, 7, MIDDLE["M"])).otherwise(_pick(seed, 7, MIDDLE["F"]))
    )
    given = (
        pl.when(pl.col("sex") == "M").then(_pick(seed, 8, GIVEN["M"])).otherwise(_pick(seed, 8, GIVEN["F"]))
    )
    year = 2026 - pl.col("age")
    frame = frame.with_columns(
        pl.concat_str([family, middle, given], separator=" ").alias("full_name"),
        pl.format(
            "{}/{}/{}",
            (1 + _u(seed, 9) % 28).cast(pl.String).str.zfill(2),
            (1 + _u(seed, 10) % 12).cast(pl.String).str.zfill(2),
            year,
        ).alias("birth_date"),
        # 12 digits: province (014), century and sex, year of birth, serial: unique by construction.
        pl.format(
            "014{}{}{}",
            pl.when(pl.col("sex") == "M").then(pl.lit("0")).otherwise(pl.lit("1")),
            (year % 100).cast(pl.String).str.zfill(2),
            # the serial within the sex and year of birth, as real numbers are given
            pl.int_range(pl.len()).over("sex", "age").cast(pl.String).str.zfill(6),
        ).alias("id_number"),
        _pick(seed, 11, ["g1", "g1", "g2", "g2", "g3"]).alias("group"),
    )
    # Marks: most people pass (70%), some fall short on one indicator (18%), some are drafts (12%).
    marks = []
    for index, code in enumerate(CODES):
        base = (7 + _u(seed, 20 + index) % 4).cast(pl.Int64)  # 7 … 10
        short = pl.when(
            (pl.col("outcome") >= 70) & (pl.col("outcome") < 88) & (pl.lit(index) == pl.col("row") % 10)
        )
        mark = short.then(pl.lit(3, dtype=pl.Int64)).otherwise(base)
        draft = (pl.col("outcome") >= 88) & (pl.lit(index) >= 7)
        marks.append(pl.when(draft).then(None).otherwise(mark).cast(pl.String).alias(code))
    notes = [
        pl.when(pl.col(code).is_not_null()).then(pl.lit("Sổ theo dõi của thôn")).alias(f"Minh chứng {code}")
        for code in CODES
    ]
    frame = frame.with_columns(marks).with_columns(notes)
    named = frame.join(
        hamlets.with_row_index("hamlet").with_columns(pl.col("hamlet").cast(pl.Int64)),
        on="hamlet",
        how="left",
    )
    citizens = named.select(
        pl.col("commune").alias("Mã xã, phường"),
        pl.col("name").alias("Thôn, tổ dân phố"),
        pl.col("full_name").alias("Họ và tên"),
        pl.col("birth_date").alias("Ngày sinh"),
        pl.when(pl.col("sex") == "M").then(pl.lit("Nam")).otherwise(pl.lit("Nữ")).alias("Giới tính"),
        pl.col("ethnicity").alias("Dân tộc"),
        pl.col("id_number").alias("Số định danh cá nhân"),
        pl.col("group").alias("Nhóm đối tượng"),
        *[pl.col(code) for code in CODES],
        *[pl.col(f"Minh chứng {code}") for code in CODES],
    )
    household_count = round(people / PEOPLE_PER_HOUSEHOLD)
    families = (
        pl.DataFrame({"row": pl.int_range(household_count, eager=True)})
        .with_columns((_u(seed, 40) % hamlet_count).cast(pl.Int64).alias("hamlet"))
        .join(hamlets.with_row_index("hamlet").with_columns(pl.col("hamlet").cast(pl.Int64)), on="hamlet")
        .select(
            pl.col("commune").alias("Mã xã, phường"),
            pl.col("name").alias("Thôn, tổ dân phố"),
            pl.format("H{}", pl.col("row")).alias("Số hộ trong sổ"),
            pl.format("Hộ số {}", pl.col("row")).alias("Tên hộ"),
            *[(6 + _u(seed, 50 + i) % 5).cast(pl.String).alias(code) for i, code in enumerate(FAMILY_CODES)],
        )
    )
    return Province(hamlets=hamlets, citizens=citizens, families=families)


def write(province: Province, out: Path, *, xlsx: bool = False) -> dict[str, Path]:
    """The registers as CSV (and the citizens as XLSX up to Excel's row limit when asked)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "hamlets": out / "hamlets.csv",
        "citizens": out / "citizens.csv",
        "families": out / "families.csv",
    }
    province.hamlets.write_csv(paths["hamlets"])
    province.citizens.write_csv(paths["citizens"])
    province.families.write_csv(paths["families"])
    if xlsx:
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Dữ liệu")
        sheet.append(CITIZEN_HEADER)
        for row in province.citizens.head(XLSX_MAX_ROWS).iter_rows():
            sheet.append(list(row))
        paths["citizens_xlsx"] = out / "citizens.xlsx"
        book.save(paths["citizens_xlsx"])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--xlsx", action="store_true", help="also the citizens as XLSX (slow; Excel's row limit)"
    )
    options = parser.parse_args()
    province = generate(options.people, options.seed)
    for name, path in write(province, options.out, xlsx=options.xlsx).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
