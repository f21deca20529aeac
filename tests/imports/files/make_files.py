"""Write every fixture file of the bulk import tests, deterministically. No Django needed:

    .venv/bin/python tests/imports/files/make_files.py

The generated files are checked in beside this script; run it again after changing it.

The test world (other tests rely on these facts):
- Commune codes are written as the official data stores them (`territory/data/vn/*.csv`), without leading
  zeros. "3646" is today's Phường Tô Hiệu (Sơn La; the officer's commune, hamlet "Tổ 1"); "3670" is Phường
  Chiềng Cơi (hamlet "Tổ 2").
- (a) OLD_CODE_MAPS = "3652": old Phường Quyết Thắng (Thành phố Sơn La). In `commune_conversion_2025.csv` it
  has one row only, to 3646 (Tô Hiệu), and it is not one of today's codes, so it can only mean Tô Hiệu. (3649,
  the old Phường Tô Hiệu, and 3655, old Phường Quyết Tâm, map the same way; 3652 has another name, which makes
  the conversion visible.)
- (b) OLD_CODE_SPLIT = "4957": old Xã Cao Sơn (old Hòa Bình province, today Phú Thọ), split over Xã Lương Sơn
  (4924) and Xã Liên Sơn (4960); not one of today's codes. No old code of Sơn La is split over several of
  today's communes in the table (its partly merged rows each map to one unit), so the nearest split, in the
  neighbouring old Hòa Bình, is used.
- (c) OUT_OF_SCOPE = "70": today's Phường Hoàn Kiếm, Hà Nội (province 1), outside Sơn La.

Files (data rows are listed in tests/imports/test_reading.py with their row numbers).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import Cell

HERE = Path(__file__).resolve().parent
STAMP = (2026, 1, 1, 0, 0, 0)  # every zip entry's date, so the bytes do not change between runs

COMMUNE = "3646"  # Phường Tô Hiệu
OTHER_COMMUNE = "3670"  # Phường Chiềng Cơi
OLD_CODE_MAPS = "3652"  # (a) see above
OLD_CODE_SPLIT = "4957"  # (b)
OUT_OF_SCOPE = "70"  # (c)

CODES = [
    f"i{a}_{b}" for a, b in ((1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (2, 4), (3, 1), (3, 2))
]
SUBJECT_HEADER = [
    "Mã xã, phường",
    "Thôn, tổ dân phố",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Số định danh cá nhân",
    "Nhóm đối tượng",
]
HEADER = [*SUBJECT_HEADER, *CODES, *[f"Minh chứng {code}" for code in CODES]]
NOTE = "Sổ theo dõi của tổ"


def person(
    name: str,
    born: Any,
    sex: str,
    ethnicity: str,
    id_number: str,
    group: str,
    marks: Sequence[Any],
    *,
    commune: str = COMMUNE,
    hamlet: str = "Tổ 1",
) -> list[Any]:
    return [commune, hamlet, name, born, sex, ethnicity, id_number, group, *marks, *[NOTE] * len(CODES)]


# The four good citizens of valid.xlsx / valid.csv, rows 2–5. Birth dates: a real date cell, a text date, a
# year (a number cell in the workbook) and another text date.
VALID = [
    person(
        "Lò Văn Ún", dt.date(1978, 3, 5), "Nam", "Thái", "014078001234", "g1", (8, 7, 9, 6, 8, 7, 6, 5, 9, 8)
    ),
    person("Nguyễn Thị Hương", "14/08/1992", "Nữ", "Kinh", "014192004567", "g3", (9,) * 10),
    person("Cầm Thị Ngọc", 1985, "Nữ", "Thái", "", "g2", (7, 8, 7, 8, 7, 8, 7, 8, 7, 8)),
    person(
        "Trần Văn Đức", "20/11/1969", "Nam", "Kinh", "014069003210", "g2", (10, 9, 8, 10, 9, 8, 10, 9, 8, 10)
    ),
]


def as_text(value: Any) -> str:
    """A cell as a CSV export from a Vietnamese Excel writes it."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


# ------------------------------------------------------------------------------------------------------------
# Writers


def xlsx(name: str, rows: Sequence[Sequence[Any]], *, edit: Callable[[Any], None] | None = None) -> None:
    """A workbook whose first sheet holds `rows` from A1 (None = empty cell; [] = empty row)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách"
    for row in rows:
        sheet.append(list(row))
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    (HERE / name).write_bytes(_deterministic(buffer.getvalue()))


def _deterministic(data: bytes, patch: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """The same workbook with fixed entry dates and document times (openpyxl writes the time of saving)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", content
                )
            if patch:
                content = patch(info.filename, content)
            entry = zipfile.ZipInfo(info.filename, date_time=STAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content, compresslevel=6)
    return out.getvalue()


def csv_text(rows: Sequence[Sequence[Any]], separator: str = ",") -> str:
    def field(value: Any) -> str:
        text = as_text(value)
        if any(ch in text for ch in (separator, '"', "\n")):
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(separator.join(field(v) for v in row) + "\r\n" for row in rows)


# ------------------------------------------------------------------------------------------------------------
# Legacy Vietnamese encodings, for the handful of letters the fixture's text needs (and a few more).

# TCVN3 (TCVN 5712:1993, the "ABC" fonts such as .VnTime): one byte per letter. The font shows these bytes as
# Vietnamese letters; any other program shows the Windows code page's characters ("Hµ Néi" for "Hà Nội").
# Toned capitals do not exist in TCVN3 (a separate capitals font is used), so the fixture's text avoids them.
TCVN3 = {
    "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
    "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE,
    "à": 0xB5, "ả": 0xB6, "ã": 0xB7, "á": 0xB8, "ạ": 0xB9,
    "ằ": 0xBB, "ẳ": 0xBC, "ẵ": 0xBD, "ắ": 0xBE, "ặ": 0xC6,
    "ầ": 0xC7, "ẩ": 0xC8, "ẫ": 0xC9, "ấ": 0xCA, "ậ": 0xCB,
    "è": 0xCC, "ẻ": 0xCE, "ẽ": 0xCF, "é": 0xD0, "ẹ": 0xD1,
    "ề": 0xD2, "ể": 0xD3, "ễ": 0xD4, "ế": 0xD5, "ệ": 0xD6,
    "ì": 0xD7, "ỉ": 0xD8, "ĩ": 0xDC, "í": 0xDD, "ị": 0xDE,
    "ò": 0xDF, "ỏ": 0xE1, "õ": 0xE2, "ó": 0xE3, "ọ": 0xE4,
    "ồ": 0xE5, "ổ": 0xE6, "ỗ": 0xE7, "ố": 0xE8, "ộ": 0xE9,
    "ờ": 0xEA, "ở": 0xEB, "ỡ": 0xEC, "ớ": 0xED, "ợ": 0xEE,
    "ù": 0xEF, "ủ": 0xF1, "ũ": 0xF2, "ú": 0xF3, "ụ": 0xF4,
    "ừ": 0xF5, "ử": 0xF6, "ữ": 0xF7, "ứ": 0xF8, "ự": 0xF9,
    "ỳ": 0xFA, "ỷ": 0xFB, "ỹ": 0xFC, "ý": 0xFD, "ỵ": 0xFE,
}  # fmt: skip

# VNI (the VNI-Windows fonts such as VNI-Times): a base letter followed by a byte for the mark; seen elsewhere
# as Latin-1 letters ("Nguyeãn" for "Nguyễn", "Vieät Nam" for "Việt Nam").
_VNI_TONES = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_HAT_TONES = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}  # â ê ô
_VNI_BREVE_TONES = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}  # ă
_VNI_I = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}  # i has one-byte forms


def vni(text: str) -> bytes:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        tone = next((m for m in marks if m in _VNI_TONES), "")
        shape = next((m for m in marks if m not in _VNI_TONES), "")
        upper = base.isupper()
        if ch in "đĐ":
            piece = "ñ" if ch == "đ" else "Ñ"
        elif not marks:
            piece = ch
        elif base in "iI" and not shape:
            piece = _VNI_I[tone]
        elif shape == "\u0302":  # circumflex
            piece = base + _VNI_HAT_TONES[tone]
        elif shape == "\u0306":  # breve
            piece = base + _VNI_BREVE_TONES[tone]
        elif shape == "\u031b":  # horn: ơ is "ô", ư is "ö", then the tone
            piece = ("ô" if base in "oO" else "ö") + _VNI_TONES.get(tone, "")
        else:
            piece = base + _VNI_TONES[tone]
        out.append(piece.upper() if upper else piece)
    return "".join(out).encode("cp1252")


def tcvn3(text: str) -> bytes:
    return bytes(TCVN3[ch] if ch in TCVN3 else ord(ch) for ch in unicodedata.normalize("NFC", text))


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: decomposed, the base letter (with its hat, breve or horn,
    which the code page has precomposed) followed by a combining tone mark."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    result = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        tone = "".join(m for m in decomposed if m in tones)
        base = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in tones))
        result.append(base + tone)
    return "".join(result).encode("cp1258")


# ------------------------------------------------------------------------------------------------------------
# The files


def valid() -> None:
    xlsx("valid.xlsx", [HEADER, *VALID])
    (HERE / "valid.csv").write_bytes(csv_text([HEADER, *VALID]).encode("utf-8"))
    (HERE / "valid_bom.csv").write_bytes(csv_text([HEADER, *VALID]).encode("utf-8-sig"))


def title_rows() -> None:
    # Header on row 4; data on rows 5, 6, 8 and 10 (row 7 empty, row 9 only spaces, both dropped).
    spaces = [None, "  ", None, "\u00a0"]

    def merge_title(sheet: Any) -> None:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=10)
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=10)

    xlsx(
        "title_rows.xlsx",
        [
            ["DANH SÁCH TỰ ĐÁNH GIÁ CÔNG DÂN HỌC TẬP NĂM 2026"],
            ["Phường Tô Hiệu"],
            [],
            HEADER,
            VALID[0],
            VALID[1],
            [],
            VALID[2],
            spaces,
            VALID[3],
        ],
        edit=merge_title,
    )


def shifted_columns() -> None:
    # Columns in another order, an unknown "Ghi chú" column, the header from C1 (columns A and B empty);
    # the commune code as a number cell. Data rows 2–5.
    order = [2, 3, 4, 0, 1, 5, 7, 6]  # indexes into SUBJECT_HEADER
    answers = []
    for i in range(len(CODES)):
        answers += [8 + i, 18 + i]  # answer then its note, interleaved
    header_index = [*order, *answers]
    header = [
        None,
        None,
        *[HEADER[i] for i in header_index[:3]],
        "Ghi chú",
        *[HEADER[i] for i in header_index[3:]],
    ]
    rows = [header]
    for number, row in enumerate(VALID):
        values = [row[i] for i in header_index]
        values[order.index(0)] = int(row[0])
        rows.append(
            [None, None, *values[:3], f"Ghi chú {number + 1}" if number % 2 == 0 else None, *values[3:]]
        )
    xlsx("shifted_columns.xlsx", rows)


def missing_column() -> None:
    drop = HEADER.index("Họ và tên")
    xlsx("missing_column.xlsx", [[v for i, v in enumerate(row) if i != drop] for row in [HEADER, *VALID[:3]]])


def wrong_type() -> None:
    # Row 2: answer i1_1 is the word "tám" (eight); row 3: birth date 31/02/1990 (no such day); row 4 is good.
    rows = [list(row) for row in VALID[:3]]
    rows[0][HEADER.index("i1_1")] = "tám"
    rows[1][HEADER.index("Ngày sinh")] = "31/02/1990"
    xlsx("wrong_type.xlsx", [HEADER, *rows])


def out_of_range() -> None:
    # Row 2: i2_1 = 12; row 3: i3_2 = -1; row 4 is good.
    rows = [list(row) for row in VALID[:3]]
    rows[0][HEADER.index("i2_1")] = 12
    rows[1][HEADER.index("i3_2")] = -1
    xlsx("out_of_range.xlsx", [HEADER, *rows])


def nfd() -> None:
    # Decomposed text (as macOS and some web forms write it), spaces and a no-break space around values.
    rows = [list(row) for row in VALID[:3]]
    rows[0][2] = "  Lò Văn Ún "
    rows[0][1] = "\u00a0Tổ 1"
    rows[1][2] = "Nguyễn Thị Hương\u00a0"
    rows[1][4] = " Nữ"
    rows[2][5] = "Thái  "
    text = unicodedata.normalize("NFD", csv_text([HEADER, *rows]))
    (HERE / "nfd.csv").write_bytes(text.encode("utf-8"))


def windows1258() -> None:
    (HERE / "windows1258.csv").write_bytes(cp1258(csv_text([HEADER, *VALID[:3]])))


def legacy() -> None:
    # Both files are wholly in the old encoding, header included, as such registers are. TCVN3 has no toned
    # capitals, so the names chosen have none.
    rows = [
        person("Lò Thị Hương", "14/08/1992", "Nữ", "Thái", "", "g1", (8,) * 10),
        person("Nguyễn Văn Đức", "20/11/1969", "Nam", "Kinh", "", "g2", (9,) * 10),
        person("Cầm Thị Ngọc", "1985", "Nữ", "Thái", "", "g2", (7,) * 10),
    ]
    (HERE / "tcvn3.csv").write_bytes(tcvn3(csv_text([HEADER, *rows])))
    (HERE / "vni.csv").write_bytes(vni(csv_text([HEADER, *rows])))


def duplicates() -> None:
    # Rows 2 and 4: the same person (name, birth date, hamlet); rows 3 and 5: one ID number, two spellings.
    twin = person("Lò Thị Hương", "14/08/1992", "Nữ", "Thái", "", "g1", (8,) * 10)
    rows = [
        twin,
        person("Quàng Văn Ún", "1985", "Nam", "Thái", "014085006789", "g1", (7,) * 10),
        person("Lò Thị Hương", "14/08/1992", "Nữ", "Thái", "", "g1", (9,) * 10),
        person("Quàng Văn Un", "1985", "Nam", "Thái", "014085006789", "g1", (7,) * 10),
    ]
    xlsx("duplicates.xlsx", [HEADER, *rows])


def formula() -> None:
    # Row 2: the name is the text "=HYPERLINK(...)" (a string cell, as a pasted value is); row 3: answer i1_1
    # is the formula =4+4, with the value 8 Excel saves beside it (openpyxl writes none, so it is patched in).
    rows = [list(row) for row in VALID[:2]]
    rows[0][2] = '=HYPERLINK("http://x","Lò Văn Ún")'
    rows[1][HEADER.index("i1_1")] = "=4+4"

    def as_string(sheet: Any) -> None:
        cell: Cell = sheet.cell(row=2, column=3)
        cell.data_type = "s"

    xlsx("formula.xlsx", [HEADER, *rows], edit=as_string)

    def cached_value(name: str, content: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            patched = re.sub(
                rb"<f>4\+4</f><v\s*/>|<f>4\+4</f><v></v>|<f>4\+4</f>(?!<v)", b"<f>4+4</f><v>8</v>", content
            )
            assert patched != content, "the formula cell was not found"
            return patched
        return content

    path = HERE / "formula.xlsx"
    path.write_bytes(_deterministic(path.read_bytes(), cached_value))


def codes() -> None:
    for name, code in (
        ("old_code_maps.xlsx", OLD_CODE_MAPS),
        ("old_code_split.xlsx", OLD_CODE_SPLIT),
        ("out_of_scope.xlsx", OUT_OF_SCOPE),
    ):
        row = person("Lò Thị Ón", "14/08/1992", "Nữ", "Thái", "", "g1", (8,) * 10, commune=code)
        xlsx(name, [HEADER, row])


def refused() -> None:
    (HERE / "empty.csv").write_bytes(b"")
    xlsx("header_only.xlsx", [HEADER])
    zip_bomb()
    (HERE / "not_a_spreadsheet.xlsx").write_bytes(png())
    junk = bytes((i * 37 + 11) % 256 for i in range(2048))  # deterministic junk, NULs included
    (HERE / "old_format.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + junk)


def zip_bomb() -> None:
    """A tiny file that claims to be a workbook and inflates to 300 MB: the reader must refuse it unopened."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bomb:
        for name, content in (
            ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
            ("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>'),
        ):
            entry = zipfile.ZipInfo(name, date_time=STAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            bomb.writestr(entry, content)
        entry = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=STAMP)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.file_size = 300 * 1024 * 1024
        chunk = b"0" * (1024 * 1024)
        with bomb.open(entry, "w", force_zip64=True) as sheet:
            for _ in range(300):
                sheet.write(chunk)
    (HERE / "zip_bomb.xlsx").write_bytes(out.getvalue())


def png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    valid()
    title_rows()
    shifted_columns()
    missing_column()
    wrong_type()
    out_of_range()
    nfd()
    windows1258()
    legacy()
    duplicates()
    formula()
    codes()
    refused()


if __name__ == "__main__":
    main()
