"""Reading an import file (XLSX, or CSV in the encodings communes use) → text cells under the header found.

The kind of file is told by its content, never by its name. A workbook is checked against zip bombs before it
is opened; CSV text may be UTF-8 (with or without a byte order mark) or Windows-1258; text typed in the old
Vietnamese font encodings (TCVN3, VNI) is refused with the way to convert it, rather than stored garbled.

The reader does not judge values: "tám" or 12 in an answer column come out exactly as written, with the row
number the user sees; the checks belong to `checking`. The work is columnar: no Python object per row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl
from django.utils.translation import gettext as _

from learningcity.text import nfc

from .columns import DATA_SHEET, Column, header_key

MAX_UNCOMPRESSED = 1024**3  # a workbook bigger than this unpacked is refused unopened
MAX_RATIO = 200  # real workbooks unpack to 5–50 times their size; a zip bomb to thousands
_SAMPLE_ROWS = 2000  # rows looked at for a legacy encoding
_LEGACY_THRESHOLD = 3  # tell-tale spots needed before a file is called TCVN3 or VNI

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream an Excel file protected by a password holds
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
_CONTROL = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")

# Old Vietnamese 8-bit fonts, as any other program shows them. TCVN3 ("ABC", .VnTime) puts letters on the
# bytes A1–FE ("Hµ Néi" for "Hà Nội"); VNI (VNI-Times) writes a base letter then a mark byte ("Nguyeãn",
# "Vieät"). Real Vietnamese text, in NFC or decomposed, never has these characters next to a Latin letter.
_TCVN3_INNER = "\u00a1-\u00a8\u00aa\u00ac\u00ad\u00b5\u00b6\u00b8\u00b9\u00bc-\u00be"  # never by a letter
_TCVN3_OUTER = "\u00a9\u00ab\u00ae\u00b7\u00bb"  # © « ® · »: also real symbols, so only between two letters
_NOT_VIETNAMESE = "ÄÅÆÇËÎÏÑÖ×ØÛÜÞßäåæçëîïñö÷øûüþÿ"  # Latin-1 letters Vietnamese does not use (Ð: a common Đ)
_TCVN3_SIGN = re.compile(
    f"[A-Za-z][{_TCVN3_INNER}]|[{_TCVN3_INNER}][A-Za-z]|[A-Za-z][{_TCVN3_OUTER}][A-Za-z]"
)
_LEGACY_SIGN = re.compile(f"[A-Za-z][{_NOT_VIETNAMESE}]|[{_NOT_VIETNAMESE}][A-Za-z]")
_WORD_BEFORE = re.compile(r"[^\s,;]*\Z")
_WORD_AFTER = re.compile(r"[^\s,;]{0,30}")

# Trimmed from both ends of a cell: Unicode white space (no-break spaces included), zero-width space, BOM.
_BLANK = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\u200b\ufeff"
)
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$"  # a date cell as calamine gives it as text


class FileRefused(Exception):
    """The file as a whole cannot be read; `reason` is a translated sentence for the user: what is wrong and
    what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Table:
    """A file's rows as text under its header, ready to check."""

    # One pl.String column per mapped Column.key, plus "row" (pl.Int64): the row number the user sees (Excel's
    # row; the CSV line, 1-based, header counted).
    frame: pl.DataFrame
    header_row: int  # 1-based row (XLSX) or line (CSV) of the header
    missing: list[Column]  # required columns the header lacks
    ignored: list[str]  # header cells, as written, that name no column
    source: str  # "xlsx", "utf-8", "utf-8-sig" or "cp1258"


@dataclass
class _Grid:
    """Every cell of the file as text, in columns "c0"…, plus "row"; `positions` names each for the user."""

    frame: pl.DataFrame
    positions: list[str]
    source: str
    normalised: bool = False  # every cell is NFC already (most files): no need to normalise cell by cell
    sheet: str | None = None  # the workbook's sheet

    @property
    def cells(self) -> list[str]:
        return [name for name in self.frame.columns if name != "row"]


def read_table(
    path: Path, *, columns: Sequence[Column], max_bytes: int | None = None, header_search_rows: int = 30
) -> Table:
    """Read `path` (XLSX or CSV, told by content) and map its header to `columns`.

    Raises FileRefused when the file as a whole cannot be used: too big, empty, not a spreadsheet, an old
    .xls, a zip bomb, an old font encoding, no header row, a column twice in the header, or no data rows.
    """
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise FileRefused(
            _("The file is larger than %(mb)s MB: split it into smaller files and import each of them.")
            % {"mb": _megabytes(max_bytes)}
        )
    if size == 0:
        raise FileRefused(_("The file is empty: check that you chose the right file."))
    with path.open("rb") as handle:
        start = handle.read(8)
    if start.startswith(_OLE2):
        raise FileRefused(_old_workbook(path))
    if start[:4] in _ZIP:
        grids = _xlsx_grids(path)
    else:
        grids = iter([_csv_grid(path, columns=columns, search_rows=header_search_rows)])
    looked: list[str] = []
    for grid in grids:
        _refuse_legacy_encoding(grid)
        header = _header(grid, columns=columns, search_rows=header_search_rows)
        if header is not None:
            return _table(grid, header, columns=columns)
        if grid.sheet:
            looked.append(grid.sheet)
    message = _(
        "No header row found in the first %(rows)s rows: use the template's headers (for example "
        "“%(first)s”, “%(second)s”) on one row above the data."
    ) % {
        "rows": header_search_rows,
        "first": columns[0].label,
        "second": columns[1].label if len(columns) > 1 else "",
    }
    if len(looked) > 1:
        message += " " + _("Sheets looked at: %(sheets)s.") % {"sheets": ", ".join(f"“{s}”" for s in looked)}
    raise FileRefused(message)


def _megabytes(size: int) -> str:
    mb = size / 1024 / 1024
    return f"{mb:.0f}" if mb >= 10 or mb == int(mb) else f"{mb:.1f}" if mb >= 0.1 else f"{mb:.2g}"


def _not_a_spreadsheet() -> str:
    return _(
        "This file is not a spreadsheet (xlsx) or CSV file: save the register from Excel as .xlsx (Excel "
        "Workbook) or as CSV UTF-8 and import that file."
    )


def _damaged() -> str:
    return _(
        "The workbook is damaged and cannot be read: open it in Excel, save it again as .xlsx and import it."
    )


def _old_workbook(path: Path) -> str:
    with path.open("rb") as handle:
        directory = handle.read(8 * 1024 * 1024)
    if _ENCRYPTED in directory:
        return _(
            "The workbook is protected with a password: open it in Excel, remove the password "
            "(File › Info › Protect Workbook), save it as .xlsx and import it again."
        )
    return _(
        "This is an old Excel workbook (.xls): open it in Excel, save it as .xlsx (Excel Workbook) and "
        "import that file."
    )


# --------------------------------------------------------------------------------------------------------
# XLSX


def _xlsx_grids(path: Path) -> Iterator[_Grid]:
    """The workbook's sheets where a register may be, in the order they are looked at: the template's data
    sheet by its name wherever it lies, then the other visible sheets in the workbook's order (a cover or
    instructions sheet first is common); never a hidden one (the template's lists). A sheet is read only
    when the one before it had no header."""
    _check_zip(path)
    try:
        reader = fastexcel.read_excel(str(path))
        names = reader.sheet_names
    except fastexcel.FastExcelError as error:
        raise FileRefused(_damaged()) from error
    for name in sorted(names, key=lambda name: header_key(name) != header_key(DATA_SHEET)):
        try:
            # skip_rows=0 keeps leading empty rows: row i of the frame is Excel's row i + 1. Every cell as
            # text.
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            if sheet.visible != "visible":
                continue
            frame = sheet.to_polars()
            letters = [_column_letters(column.absolute_index) for column in sheet.available_columns()]
        except fastexcel.FastExcelError as error:
            raise FileRefused(_damaged()) from error
        cells = [f"c{i}" for i in range(frame.width)]
        frame = frame.rename(dict(zip(frame.columns, cells, strict=True)))
        frame = frame.with_columns(pl.col(cell).cast(pl.String) for cell in cells)
        frame = frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
        yield _Grid(frame, letters, "xlsx", sheet=name)


def _check_zip(path: Path) -> None:
    """Refuse a zip that is not a workbook, or that would unpack to too much, before anything parses it."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRefused(_damaged()) from error
    names = {entry.filename for entry in entries}
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise FileRefused(
            _(
                "This file is a compressed archive but not an Excel workbook (.xlsx): open the register in "
                "Excel or LibreOffice, save it as .xlsx (Excel Workbook) and import that file."
            )
        )
    unpacked = sum(entry.file_size for entry in entries)
    packed = max(sum(entry.compress_size for entry in entries), 1)
    if unpacked > MAX_UNCOMPRESSED:
        raise FileRefused(
            _("The workbook would take more than %(mb)s MB once unpacked: split it into smaller files.")
            % {"mb": _megabytes(MAX_UNCOMPRESSED)}
        )
    if unpacked / packed > MAX_RATIO:
        raise FileRefused(
            _(
                "The workbook unpacks to %(ratio)s times its own size, far more than a real register (this "
                "is how booby-trapped files look), so it was not opened. Save the register again from Excel "
                "as .xlsx and import that file."
            )
            % {"ratio": round(unpacked / packed)}
        )


def _column_letters(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# --------------------------------------------------------------------------------------------------------
# CSV


_PIECE = 16 * 1024 * 1024  # bytes decoded at a time when a CSV file is looked over


def _csv_grid(path: Path, *, columns: Sequence[Column], search_rows: int) -> _Grid:
    data = path.read_bytes()
    text, source, normalised = _utf8(data)
    if b"\n" not in text and b"\r" in text:  # old Mac line ends
        text = text.replace(b"\r", b"\n")
    head = _head(text, search_rows)
    separator = _separator(head, columns=columns)
    # As wide as the widest of the first lines, where the header is: fields beyond it are under no header.
    width = max(line.count(separator) for line in head) + 1
    names = [f"c{i}" for i in range(width)]
    try:
        frame = pl.read_csv(
            # A plain UTF-8 file is read (mapped) from disk; the bytes in memory only when they were changed.
            path if text is data else io.BytesIO(text),
            has_header=False,
            schema=dict.fromkeys(names, pl.String),
            separator=separator,
            truncate_ragged_lines=True,  # title rows are narrower, ragged rows are padded or cut
            missing_columns="insert",
            empty_string_is_null=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as error:
        raise FileRefused(
            _(
                "The CSV file cannot be read (a quotation mark may be left open): open it in Excel, save it "
                "again as CSV UTF-8 and import it."
            )
        ) from error
    del data, text
    # The user's line number: records counted from 1, plus the line breaks inside quoted cells before them
    # (looked for only in the columns that have any).
    multiline = [name for name in names if frame.get_column(name).str.contains("\n", literal=True).any()]
    row = pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
    if multiline:
        breaks = pl.sum_horizontal(
            pl.col(name).str.count_matches("\n", literal=True).fill_null(0) for name in multiline
        )
        row = row + breaks.cum_sum().shift(1, fill_value=0).cast(pl.Int64)
    frame = frame.with_columns(row.alias("row"))
    return _Grid(frame.select("row", *names), [str(i + 1) for i in range(width)], source, normalised)


def _utf8(data: bytes) -> tuple[bytes, str, bool]:
    """The file as UTF-8 bytes (a byte order mark dropped, Windows-1258 converted), the encoding it came in,
    and whether its text is all NFC already. Looked over a piece at a time: a big file never becomes one
    Python string."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(
            _(
                "The file is saved as “Unicode Text” (UTF-16): open it in Excel and save it as .xlsx or as "
                "CSV UTF-8, then import that file."
            )
        )
    source = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, source = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    head = data[: 64 * 1024]
    if b"\x00" in head or head.startswith(_BINARY_MAGIC):
        raise FileRefused(_not_a_spreadsheet())
    normalised = True
    try:
        start = 0
        while start < len(data):
            # Cut after a line end: UTF-8 never has the byte 0A inside a character.
            end = data.find(b"\n", start + _PIECE) + 1 or len(data)
            normalised = unicodedata.is_normalized("NFC", data[start:end].decode("utf-8")) and normalised
            start = end
    except UnicodeDecodeError as error:
        if source == "utf-8-sig":
            raise FileRefused(_not_a_spreadsheet()) from error
        try:
            # Windows-1258 writes Vietnamese with combining tones: normalised cell by cell afterwards.
            data, source, normalised = data.decode("cp1258").encode("utf-8"), "cp1258", False
        except UnicodeDecodeError as error:
            raise FileRefused(_not_a_spreadsheet()) from error
    sample = data[: 64 * 1024].decode("utf-8", errors="ignore")
    if len(_CONTROL.findall(sample)) > len(sample) / 100:
        raise FileRefused(_not_a_spreadsheet())
    return data, source, normalised


def _head(data: bytes, rows: int) -> list[str]:
    """The first `rows` lines of the file, as text."""
    end = 0
    for _line in range(rows):
        end = data.find(b"\n", end) + 1
        if not end:
            end = len(data)
            break
    return [line.rstrip("\r") for line in data[:end].decode("utf-8").split("\n")[:rows]]


def _separator(first: list[str], *, columns: Sequence[Column]) -> str:
    """Comma, unless the header reads better split on semicolons or tabs (Excel in some locales uses ";")."""
    directive = re.fullmatch(r"\ufeff?sep=(.)\r?", first[0]) if first else None
    if directive:  # Excel's own "sep=;" first line
        return directive.group(1)
    best, chosen = -1, ","
    matcher = _Matcher(columns)
    for candidate in (",", ";", "\t"):
        try:
            score = max((matcher.score(row)[0] for row in csv.reader(first, delimiter=candidate)), default=0)
        except csv.Error:  # a field too long for the csv module: not a header line anyway
            score = 0
        if score > best:
            best, chosen = score, candidate
    return chosen


# --------------------------------------------------------------------------------------------------------
# Old font encodings


def _refuse_legacy_encoding(grid: _Grid) -> None:
    """Refuse text typed in TCVN3 or VNI fonts: its letters would be stored as nonsense."""
    if not grid.cells:
        return
    head = grid.frame.head(_SAMPLE_ROWS)
    rows = head.select(pl.concat_str(grid.cells, separator="\t", ignore_nulls=True)).to_series()
    sample = rows.str.join("\n").item()
    cells = head.select(pl.sum_horizontal(pl.col(grid.cells).is_not_null()).sum()).item()
    tcvn3 = list(_TCVN3_SIGN.finditer(sample or ""))
    legacy = list(_LEGACY_SIGN.finditer(sample or ""))
    hits = len(tcvn3) + len(legacy)
    # Several spots, in a fair share of the cells: a few foreign names ("Müller") do not make a file legacy.
    if hits < _LEGACY_THRESHOLD or hits * 50 < cells:
        return
    spot = (tcvn3 or legacy)[0].start()
    before, after = _WORD_BEFORE.search(sample[max(0, spot - 30) : spot]), _WORD_AFTER.match(sample, spot)
    word = ((before.group() if before else "") + (after.group() if after else "")).replace("\xad", "")
    raise FileRefused(
        _(
            "The file's text is in the old %(encoding)s font encoding (it reads “%(word)s”): convert it to "
            "Unicode, for example with Unikey's converter (Unikey Toolkit), then save it as CSV UTF-8 or "
            ".xlsx and import that file."
        )
        % {"encoding": "TCVN3 (ABC)" if tcvn3 else "VNI", "word": word[:40]}
    )


# --------------------------------------------------------------------------------------------------------
# Header and frame


class _Matcher:
    """Which column a header cell names, as `Column.matches` says. The columns' keys are folded once and only
    the columns whose key fits the cell's are asked: folding every label for every cell is slow."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = columns
        self.exact: dict[str, list[Column]] = {}
        self.codes: dict[str, list[Column]] = {}
        for column in columns:
            for name in (column.label, column.label_en, column.key):
                self.exact.setdefault(header_key(name), []).append(column)
            if column.key.startswith("answer."):
                self.codes.setdefault(header_key(column.input_code), []).append(column)
        self.seen: dict[str, Column | None] = {}

    def __call__(self, cell: str | None) -> Column | None:
        if cell is None or len(cell) > 300:
            return None
        if cell not in self.seen:
            found = header_key(cell)
            candidates = list(self.exact.get(found, []))
            for code, answers in self.codes.items():
                if found == code or found.startswith(code + " "):
                    candidates += answers
            self.seen[cell] = (
                next((c for c in self.columns if c in candidates and c.matches(cell)), None)
                if found
                else None
            )
        return self.seen[cell]

    def score(self, cells: Sequence[str | None]) -> tuple[int, dict[int, Column]]:
        """How many distinct columns a row's cells name, and which column each cell names (by position)."""
        found = {
            position: column for position, cell in enumerate(cells) if (column := self(cell)) is not None
        }
        return len({column.key for column in found.values()}), found


_Header = tuple[int, dict[int, Column], tuple[str | None, ...]]


def _header(grid: _Grid, *, columns: Sequence[Column], search_rows: int) -> _Header | None:
    """The row among the first `search_rows` that names the most columns (two at least): its number, the
    columns by cell position, its cells; None when no row does."""
    matcher = _Matcher(columns)
    best: tuple[int, _Header] | None = None
    for row_number, *cells in grid.frame.head(search_rows).select("row", *grid.cells).iter_rows():
        score, found = matcher.score(cells)
        if score >= 2 and (best is None or score > best[0]):
            best = (score, (row_number, found, tuple(cells)))
    return best[1] if best is not None else None


def _table(grid: _Grid, header: _Header, *, columns: Sequence[Column]) -> Table:
    header_row, found, header_cells = header

    by_key: dict[str, list[int]] = {}
    for position, column in found.items():
        by_key.setdefault(column.key, []).append(position)
    for column in columns:
        positions = by_key.get(column.key, [])
        if len(positions) > 1:
            raise FileRefused(
                _(
                    "The column “%(label)s” is in the header twice, in columns %(first)s and %(second)s: "
                    "keep one of them and import the file again."
                )
                % {
                    "label": column.label,
                    "first": grid.positions[positions[0]],
                    "second": grid.positions[positions[1]],
                }
            )

    mapped = [(grid.cells[by_key[c.key][0]], c) for c in columns if c.key in by_key]
    # Column by column, each cell trimmed (and normalised where the file is not NFC already), empty cells
    # null; each column of the grid is let go as soon as it is done, so memory holds the file about once.
    below = int((grid.frame.get_column("row") <= header_row).sum())  # the rows are in order
    columns_found = [grid.frame.get_column("row").slice(below)]
    for name, column in mapped:
        given = grid.frame.drop_in_place(name).slice(below)
        value = pl.col(name) if grid.normalised else pl.col(name).str.normalize("NFC")
        value = value.str.strip_chars(_BLANK)
        if grid.source == "xlsx":
            value = value.str.replace(_MIDNIGHT, "${1}")
        value = pl.when(value != "").then(value)
        columns_found.append(given.to_frame().select(value.alias(column.key)).to_series())
        del given
    frame = pl.DataFrame(columns_found)
    blank = ~pl.any_horizontal(pl.col(column.key).is_not_null() for _name, column in mapped)
    if frame.select(blank.any()).item():
        frame = frame.filter(~blank)
    if frame.is_empty():
        raise FileRefused(
            _(
                "The file has no data rows below the header (row %(row)s): add one row per subject and "
                "import it again."
            )
            % {"row": header_row}
        )
    ignored = [nfc(cell) for position, cell in enumerate(header_cells) if position not in found and cell]
    ignored = [cell for cell in ignored if cell]
    return Table(
        frame=frame,
        header_row=header_row,
        missing=[column for column in columns if column.required and column.key not in by_key],
        ignored=ignored,
        source=grid.source,
    )
