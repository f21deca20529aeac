"""The file reader of the bulk import: any XLSX or CSV a commune sends → text cells under the header it finds,
with the row numbers the user sees; whole files that cannot be used are refused with what to do."""

from __future__ import annotations

import datetime as dt
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from learningcity.frameworks.engine import load_file
from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition.imports import reading
from learningcity.recognition.imports.columns import Column, import_columns
from learningcity.recognition.imports.reading import FileRefused, Table, read_table

FILES = Path(__file__).parent / "files"
CITIZEN = Path(reading.__file__).parents[2] / "frameworks" / "data" / "vn" / "learning-citizen.yaml"
COLUMNS: list[Column] = import_columns(
    FrameworkVersion(code="vn.learning-citizen", subject="person", spec=load_file(str(CITIZEN)).spec)
)
KEYS = [column.key for column in COLUMNS]
BY_KEY = {column.key: column for column in COLUMNS}
NAMES = ["Lò Văn Ún", "Nguyễn Thị Hương", "Cầm Thị Ngọc", "Trần Văn Đức"]


def read(name: str | Path, **options: Any) -> Table:
    return read_table(FILES / name if isinstance(name, str) else name, columns=COLUMNS, **options)


def refused(path: str | Path, **options: Any) -> str:
    with pytest.raises(FileRefused) as caught:
        read(path, **options)
    return caught.value.reason


def workbook(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def column(table: Table, key: str) -> list[Any]:
    return table.frame.get_column(key).to_list()


# ------------------------------------------------------------------------------------------------------------
# Good files


def test_a_valid_workbook_gives_every_column_as_text_with_excel_row_numbers() -> None:
    table = read("valid.xlsx")
    assert (table.source, table.header_row, table.missing, table.ignored) == ("xlsx", 1, [], [])
    assert table.frame.columns == ["row", *KEYS]
    assert table.frame.schema == pl.Schema({"row": pl.Int64, **dict.fromkeys(KEYS, pl.String)})
    assert column(table, "row") == [2, 3, 4, 5]
    assert column(table, "commune") == ["3646"] * 4
    assert column(table, "hamlet") == ["Tổ 1"] * 4
    assert column(table, "full_name") == NAMES
    # A real date cell, a text date, a year typed as a number, another text date.
    assert column(table, "birth_date") == ["1978-03-05", "14/08/1992", "1985", "20/11/1969"]
    assert column(table, "sex") == ["Nam", "Nữ", "Nữ", "Nam"]
    assert column(table, "id_number") == ["014078001234", "014192004567", None, "014069003210"]
    assert column(table, "group") == ["g1", "g3", "g2", "g2"]
    assert column(table, "answer.i1_1") == ["8", "9", "7", "10"]
    assert column(table, "answer.i3_2") == ["8", "9", "8", "10"]
    assert column(table, "note.i3_2") == ["Sổ theo dõi của tổ"] * 4


@pytest.mark.parametrize(("name", "source"), [("valid.csv", "utf-8"), ("valid_bom.csv", "utf-8-sig")])
def test_a_utf8_csv_with_or_without_bom_reads_like_the_workbook(name: str, source: str) -> None:
    table = read(name)
    expected = read("valid.xlsx").frame.with_columns(
        pl.col("birth_date").replace("1978-03-05", "05/03/1978")  # the CSV holds what Excel displayed
    )
    assert (table.source, table.header_row, table.missing, table.ignored) == (source, 1, [], [])
    assert table.frame.equals(expected)


def test_integer_and_date_cells_come_out_as_written_not_as_floats_or_timestamps(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "cells.xlsx",
        [
            ["Họ và tên", "Ngày sinh", "i1_1", "i1_2", "Mã xã, phường", "Số định danh cá nhân"],
            ["Lò Văn Ún", dt.date(1992, 8, 14), 8, 8.0, 3646, 14078001234],
            ["Lò Thị Ón", dt.datetime(1990, 1, 2, 7, 30), 8.5, -1, "03646", "014078001234"],  # noqa: DTZ001
        ],
    )
    table = read(path)
    assert column(table, "birth_date") == ["1992-08-14", "1990-01-02 07:30:00"]
    assert column(table, "answer.i1_1") == ["8", "8.5"]
    assert column(table, "answer.i1_2") == ["8", "-1"]
    assert column(table, "commune") == ["3646", "03646"]
    assert column(table, "id_number") == ["14078001234", "014078001234"]


def test_title_rows_above_the_header_are_skipped_and_empty_rows_dropped_keeping_row_numbers() -> None:
    table = read("title_rows.xlsx")
    assert table.header_row == 4
    assert column(table, "row") == [5, 6, 8, 10]  # 7 is empty, 9 holds only spaces
    assert column(table, "full_name") == NAMES


def test_columns_in_any_order_from_any_column_are_mapped_and_unknown_ones_listed() -> None:
    table = read("shifted_columns.xlsx")
    assert (table.header_row, table.missing, table.ignored) == (1, [], ["Ghi chú"])
    assert table.frame.columns == ["row", *KEYS]
    assert table.frame.equals(read("valid.xlsx").frame)  # the commune, a number cell there, reads "3646"


def test_a_missing_required_column_is_reported_not_refused() -> None:
    table = read("missing_column.xlsx")
    assert table.missing == [BY_KEY["full_name"]]
    assert "full_name" not in table.frame.columns
    assert column(table, "row") == [2, 3, 4]


def test_values_of_the_wrong_type_or_out_of_range_are_returned_exactly_for_the_checker() -> None:
    wrong = read("wrong_type.xlsx")
    assert column(wrong, "answer.i1_1") == ["tám", "9", "7"]
    assert column(wrong, "birth_date") == ["1978-03-05", "31/02/1990", "1985"]
    assert column(wrong, "row") == [2, 3, 4]
    out = read("out_of_range.xlsx")
    assert column(out, "answer.i2_1") == ["12", "9", "7"]
    assert column(out, "answer.i3_2") == ["8", "-1", "8"]


def test_decomposed_text_is_normalised_to_nfc_and_trimmed_of_spaces_and_no_break_spaces() -> None:
    raw = (FILES / "nfd.csv").read_text(encoding="utf-8")
    assert not unicodedata.is_normalized("NFC", raw) and "\u00a0" in raw
    table = read("nfd.csv")
    assert column(table, "full_name") == NAMES[:3]
    assert column(table, "hamlet") == ["Tổ 1"] * 3
    assert column(table, "sex") == ["Nam", "Nữ", "Nữ"]
    assert column(table, "ethnicity") == ["Thái", "Kinh", "Thái"]
    cells = table.frame.drop("row").unpivot().get_column("value").drop_nulls().to_list()
    assert all(unicodedata.is_normalized("NFC", cell) and cell == cell.strip() for cell in cells)


def test_a_windows_1258_csv_is_decoded_and_composed() -> None:
    raw = (FILES / "windows1258.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    table = read("windows1258.csv")
    assert table.source == "cp1258"
    assert column(table, "full_name") == NAMES[:3]
    assert column(table, "note.i1_1") == ["Sổ theo dõi của tổ"] * 3
    assert table.frame.equals(read("valid.csv").frame.head(3))


@pytest.mark.parametrize(("name", "encoding"), [("tcvn3.csv", "TCVN3"), ("vni.csv", "VNI")])
def test_text_in_the_old_font_encodings_is_refused_with_how_to_convert_it(name: str, encoding: str) -> None:
    reason = refused(name)
    assert encoding in reason and "Unikey" in reason and "CSV UTF-8" in reason


def test_a_workbook_typed_in_tcvn3_fonts_is_refused_too(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "tcvn3.xlsx",
        [
            ["Hä vµ tªn", "Th«n, tæ d©n phè", "Mã xã, phường"],  # "Họ và tên", "Thôn, tổ dân phố"
            ["NguyÔn ThÞ H­¬ng", "Tæ 1", "3646"],
            ["Lß V¨n §øc", "Tæ 1", "3646"],
        ],
    )
    assert "TCVN3" in refused(path)


def test_real_vietnamese_text_with_a_few_foreign_letters_is_not_taken_for_an_old_encoding(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(
        "Họ và tên,Thôn, tổ dân phố,Minh chứng i1_1\n"
        "Nguyễn Thị Hương,Tổ 1,Giấy khen Công ty ABC® năm 2025\n"
        "Müller Hà,Tổ 1,«Sổ tay» 25°C\n",
        encoding="utf-8",
    )
    assert column(read(path), "full_name") == ["Nguyễn Thị Hương", "Müller Hà"]


def test_duplicate_people_and_id_numbers_are_all_returned_for_the_checker() -> None:
    table = read("duplicates.xlsx")
    assert column(table, "row") == [2, 3, 4, 5]
    assert column(table, "full_name") == ["Lò Thị Hương", "Quàng Văn Ún", "Lò Thị Hương", "Quàng Văn Un"]
    assert column(table, "id_number") == [None, "014085006789", None, "014085006789"]


def test_a_formula_gives_its_value_and_text_starting_with_equals_stays_text() -> None:
    table = read("formula.xlsx")
    assert column(table, "full_name") == ['=HYPERLINK("http://x","Lò Văn Ún")', "Nguyễn Thị Hương"]
    assert column(table, "answer.i1_1") == ["8", "8"]  # row 3 is =4+4


@pytest.mark.parametrize(
    ("name", "code"),
    [("old_code_maps.xlsx", "3652"), ("old_code_split.xlsx", "4957"), ("out_of_scope.xlsx", "70")],
)
def test_commune_codes_are_returned_as_written(name: str, code: str) -> None:
    table = read(name)
    assert (column(table, "row"), column(table, "commune"), column(table, "full_name")) == (
        [2],
        [code],
        ["Lò Thị Ón"],
    )


# ------------------------------------------------------------------------------------------------------------
# The header


def test_the_header_is_the_first_row_naming_the_most_columns(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(
        "Danh sách Họ và tên\n"  # names no column as a whole
        "Họ và tên\n"  # one column: not enough for a header
        "Họ và tên,Ngày sinh,x\n"  # two columns
        "Mã xã, phường,Họ và tên,Ngày sinh\n"  # the unquoted comma splits the label: two again, no better
        '"Mã xã, phường",Họ và tên,Ngày sinh,i1_1\n'  # four columns: the header
        "3646,Lò Văn Ún,1985,8\n"
        '"Mã xã, phường",Họ và tên,Ngày sinh,i1_1\n'  # as good, but later: data
        "3646,Lò Thị Ón,1990,9\n",
        encoding="utf-8",
    )
    table = read(path)
    assert table.header_row == 5
    assert column(table, "row") == [6, 7, 8]
    assert column(table, "full_name") == ["Lò Văn Ún", "Họ và tên", "Lò Thị Ón"]
    assert [c.key for c in table.missing] == ["hamlet", "group"]


def test_headers_may_be_english_or_the_column_keys(tmp_path: Path) -> None:
    path = tmp_path / "english.csv"
    path.write_text(
        "Commune code;full_name;i1_1. Reads books;Evidence i1_1\n3646;Lò Văn Ún;8;Sổ\n", encoding="utf-8"
    )
    table = read(path)
    assert table.frame.columns == ["row", "commune", "full_name", "answer.i1_1", "note.i1_1"]
    assert table.frame.row(0) == (2, "3646", "Lò Văn Ún", "8", "Sổ")


def test_a_header_below_the_rows_searched_is_not_found(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "late.xlsx", [["Báo cáo"], [], [], ["Họ và tên", "Ngày sinh"], ["Lò Văn Ún", "1985"]]
    )
    assert read(path).header_row == 4
    assert "No header row found in the first 3 rows" in refused(path, header_search_rows=3)


def test_a_file_without_the_template_headers_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "other.xlsx", [["Tên", "Tuổi"], ["Lò Văn Ún", 40]])
    assert "No header row found" in refused(path)


def sheets(path: Path, named: dict[str, Sequence[Sequence[Any]]], hidden: Sequence[str] = ()) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.worksheets[0])
    for title, rows in named.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        if title in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


REGISTER = [["Họ và tên", "Ngày sinh"], ["Lò Văn Ún", "1985"]]


def test_the_register_is_read_from_the_first_sheet_with_a_header_after_a_cover_sheet(tmp_path: Path) -> None:
    path = sheets(tmp_path / "cover.xlsx", {"Hướng dẫn": [["Điền danh sách ở trang sau"]], "DS": REGISTER})
    assert column(read(path), "full_name") == ["Lò Văn Ún"]


def test_the_templates_data_sheet_is_read_by_its_name_wherever_it_lies(tmp_path: Path) -> None:
    other = [["Họ và tên", "Ngày sinh"], ["Cầm Thị Ngọc", "1990"]]
    path = sheets(tmp_path / "moved.xlsx", {"Tổng hợp": other, "Dữ liệu": REGISTER})
    assert column(read(path), "full_name") == ["Lò Văn Ún"]


def test_a_hidden_sheet_is_never_read(tmp_path: Path) -> None:
    path = sheets(tmp_path / "hidden.xlsx", {"Bìa": [["Danh sách"]], "Ẩn": REGISTER}, hidden=["Ẩn"])
    reason = refused(path)
    assert "No header row found" in reason and "Ẩn" not in reason


def test_a_workbook_without_a_header_on_any_sheet_names_the_sheets_looked_at(tmp_path: Path) -> None:
    path = sheets(tmp_path / "none.xlsx", {"Bìa": [["Danh sách"]], "Ghi chú": [["Tên", "Tuổi"]]})
    assert "Sheets looked at: “Bìa”, “Ghi chú”." in refused(path)


def test_a_column_twice_in_the_header_is_refused_naming_both_places(tmp_path: Path) -> None:
    header = ["STT", "Mã xã, phường", "Họ và tên", "Ngày sinh", "Giới tính", "HỌ VÀ TÊN"]
    reason = refused(workbook(tmp_path / "twice.xlsx", [[], header, [1, "3646", "A", None, None, "B"]]))
    assert "“Họ và tên”" in reason and "columns C and F" in reason
    text = tmp_path / "twice.csv"
    text.write_text(
        'STT,"Mã xã, phường",Họ và tên,Ngày sinh,Giới tính,HỌ VÀ TÊN\n1,3646,A,,,B\n', encoding="utf-8"
    )
    assert "columns 3 and 6" in refused(text)


@pytest.mark.parametrize("separator", [";", "\t"])
def test_csv_separated_by_semicolons_or_tabs_is_read(tmp_path: Path, separator: str) -> None:
    path = tmp_path / "sep.csv"
    header = separator.join(["Mã xã, phường", "Họ và tên", "i1_1"])
    path.write_text(f"{header}\n3646{separator}Lò Văn Ún{separator}8\n", encoding="utf-8")
    table = read(path)
    assert table.frame.row(0) == (2, "3646", "Lò Văn Ún", "8")


def test_excels_sep_line_names_the_separator(tmp_path: Path) -> None:
    path = tmp_path / "sep.csv"
    path.write_text("sep=|\nMã xã, phường|Họ và tên\n3646|Lò Văn Ún\n", encoding="utf-8")
    table = read(path)
    assert (table.header_row, table.frame.row(0)) == (2, (3, "3646", "Lò Văn Ún"))


def test_csv_row_numbers_are_line_numbers_even_after_a_cell_on_several_lines(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes(
        "Báo cáo\r\n\r\nHọ và tên,Minh chứng i1_1,i1_1\r\n"
        'Lò Văn Ún,"Sổ theo dõi\r\ncủa tổ\r\ntrang 3",8\r\n'
        ",,\r\n"
        "Lò Thị Ón,Sổ,9\r\n".encode()
    )
    table = read(path)
    assert table.header_row == 3
    assert column(table, "row") == [4, 8]
    assert column(table, "note.i1_1") == ["Sổ theo dõi\r\ncủa tổ\r\ntrang 3", "Sổ"]


# ------------------------------------------------------------------------------------------------------------
# Files refused as a whole


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.csv", "empty"),
        ("header_only.xlsx", "no data rows below the header (row 1)"),
        ("zip_bomb.xlsx", "times its own size"),
        ("not_a_spreadsheet.xlsx", "not a spreadsheet (xlsx) or CSV file"),
        ("old_format.xls", "save it as .xlsx"),
    ],
)
def test_unusable_files_are_refused_saying_what_to_do(name: str, words: str) -> None:
    assert words in refused(name)


def test_the_zip_bomb_fixture_stays_small() -> None:
    size = (FILES / "zip_bomb.xlsx").stat().st_size
    with zipfile.ZipFile(FILES / "zip_bomb.xlsx") as bomb:
        unpacked = sum(entry.file_size for entry in bomb.infolist())
    assert size < 1024 * 1024 and unpacked > 300 * 1000 * 1000


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    size = (FILES / "valid.xlsx").stat().st_size
    assert read("valid.xlsx", max_bytes=size).frame.height == 4
    assert "The file is larger than" in refused("valid.xlsx", max_bytes=size - 1)
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (3 * 1024 * 1024))
    assert "larger than 2 MB" in refused(big, max_bytes=2 * 1024 * 1024)


def test_a_workbook_too_big_once_unpacked_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED", 10 * 1024)
    assert "more than 0.0098 MB once unpacked" in refused("valid.xlsx")


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert "not an Excel workbook" in refused(path)


def test_a_damaged_workbook_is_refused(tmp_path: Path) -> None:
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes((FILES / "valid.xlsx").read_bytes()[:3000])
    assert "damaged" in refused(cut)
    junk = tmp_path / "junk.xlsx"
    with zipfile.ZipFile(junk, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not a workbook <<<")
    assert "damaged" in refused(junk)


def test_a_password_protected_workbook_is_refused_asking_to_remove_the_password(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le")
    )
    assert "password" in refused(path)


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
        b"Ho va ten,Ngay sinh\x00\x00\x00\x01\x02",
        b"\x01\x02\x03\x04\x05\x06\x07\x08" * 50,
    ],
)
def test_binary_content_is_not_a_spreadsheet(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    assert "not a spreadsheet" in refused(path)


def test_utf16_unicode_text_is_refused_asking_for_csv_utf8(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("Họ và tên\tNgày sinh\r\nLò Văn Ún\t1985\r\n".encode("utf-16"))
    assert "CSV UTF-8" in refused(path)
