"""The columns of an import file for one framework: who the subject is, then one column per answer.

One specification serves the template a user downloads (headers, notes sheet, validation lists), the reader
that finds the header row and maps the user's columns (in any order, under the Vietnamese or English header or
the column's key) and the check of every row. Headers are Vietnamese, as the communes' own registers are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import title_text
from learningcity.text import fold

from ..models import OrganisationKind, SubjectKind

ColumnType = Literal["text", "int", "float", "bool", "date", "choice", "code"]

# How a yes/no answer may be written (folded): "có", "x", "1", "đạt", "yes", "true" and their opposites.
# The template's sheet of records: an import reads it by this name wherever it lies in the workbook.
DATA_SHEET = "Dữ liệu"
TRUE_WORDS = frozenset({"co", "x", "1", "dat", "yes", "true", "y"})
FALSE_WORDS = frozenset({"khong", "0", "khong dat", "chua dat", "no", "false", "n"})
# Sex as written in registers (folded) → the stored code.
SEX_WORDS = {"nam": "M", "nu": "F", "khac": "X", "m": "M", "f": "F", "male": "M", "female": "F", "x": "X"}
SEX_LABELS = ("Nam", "Nữ", "Khác")
ORGANISATION_KIND_LABELS = {
    OrganisationKind.AGENCY: "Cơ quan, đơn vị sự nghiệp",
    OrganisationKind.SCHOOL: "Trường học",
    OrganisationKind.ENTERPRISE: "Doanh nghiệp",
    OrganisationKind.ASSOCIATION: "Hội, đoàn thể",
    OrganisationKind.LEARNING_PROMOTION: "Chi hội Khuyến học",
}
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def header_key(text: Any) -> str:
    """A header cell as compared: folded (no accents, đ→d, lower case), punctuation and spaces collapsed."""
    return _NOT_WORD.sub(" ", fold(str(text if text is not None else ""))).strip()


@dataclass(frozen=True)
class Column:
    """One column of an import file."""

    key: str  # stable name: "commune", "full_name", "answer.i1_1", "note.i1_1"
    label: str  # the Vietnamese header, as in the template
    label_en: str
    type: ColumnType
    required: bool
    help: str  # the Vietnamese note on the template's notes sheet
    choices: tuple[str, ...] = ()  # allowed values as written (type "choice" and "bool")
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    input_code: str = ""  # the framework input an answer or note column belongs to

    @property
    def short(self) -> str:
        """The column as an error names it: an answer by its indicator code, anything else by its header."""
        return self.input_code if self.key.startswith("answer.") else self.label

    def matches(self, header: Any) -> bool:
        """Whether a header cell names this column: its label, English label or key; an answer column also
        by its input code followed by anything ("i1_1", "i1_1. Đọc sách, báo…")."""
        found = header_key(header)
        if not found:
            return False
        if found in {header_key(self.label), header_key(self.label_en), header_key(self.key)}:
            return True
        if self.key.startswith("answer."):
            code = header_key(self.input_code)
            return found == code or found.startswith(code + " ")
        return False


COMMUNE = Column(
    "commune",
    "Mã xã, phường",
    "Commune code",
    "code",
    True,
    "Mã xã, phường, đặc khu theo danh mục của Cục Thống kê (5 chữ số). Mã trước ngày 01/7/2025 được "
    "chuyển sang mã mới khi chỉ ứng với một xã, phường hiện nay trong phạm vi của bạn.",
    max_length=10,
)
HAMLET = Column(
    "hamlet",
    "Thôn, tổ dân phố",
    "Hamlet or residential group",
    "text",
    True,
    "Tên thôn, bản, ấp, tổ dân phố đúng như trên trang Thôn, tổ dân phố của xã.",
    max_length=120,
)

SUBJECT_COLUMNS: dict[str, tuple[Column, ...]] = {
    SubjectKind.PERSON: (
        COMMUNE,
        HAMLET,
        Column(
            "full_name", "Họ và tên", "Full name", "text", True, "Họ và tên đầy đủ, có dấu.", max_length=150
        ),
        Column(
            "birth_date",
            "Ngày sinh",
            "Date of birth",
            "date",
            False,
            "Ngày/tháng/năm (ví dụ 14/08/1992), hoặc chỉ năm sinh (1992).",
        ),
        Column("sex", "Giới tính", "Sex", "choice", False, "Nam, Nữ hoặc Khác.", choices=SEX_LABELS),
        Column("ethnicity", "Dân tộc", "Ethnicity", "text", False, "Ví dụ: Kinh, Thái, Mông.", max_length=60),
        Column(
            "id_number",
            "Số định danh cá nhân",
            "Personal ID number",
            "code",
            False,
            "12 chữ số của căn cước công dân. Chỉ dùng để nhận ra cùng một người; không hiển thị đầy đủ.",
            max_length=12,
        ),
    ),
    SubjectKind.HOUSEHOLD: (
        COMMUNE,
        HAMLET,
        Column(
            "register_number",
            "Số hộ trong sổ",
            "Household register number",
            "code",
            True,
            "Số của hộ trong sổ theo dõi của thôn, tổ: dùng để nhận ra hộ khi nhập lại tệp.",
            max_length=40,
        ),
        Column("name", "Tên hộ", "Household name", "text", True, "Ví dụ: Hộ ông Lò Văn Ún.", max_length=150),
    ),
    SubjectKind.CLAN: (
        COMMUNE,
        Column("name", "Tên dòng họ", "Clan name", "text", True, "Ví dụ: Dòng họ Lò.", max_length=150),
    ),
    SubjectKind.ORGANISATION: (
        COMMUNE,
        Column(
            "name", "Tên cơ quan, đơn vị", "Organisation name", "text", True, "Tên đầy đủ.", max_length=200
        ),
        Column(
            "kind",
            "Loại",
            "Kind",
            "choice",
            True,
            "Một trong các loại trong danh sách.",
            choices=tuple(ORGANISATION_KIND_LABELS.values()),
        ),
    ),
    SubjectKind.COMMUNITY: (
        COMMUNE,
        Column(
            "hamlet",
            "Thôn, tổ dân phố",
            "Hamlet or residential group",
            "text",
            False,
            "Để trống khi đánh giá chính xã, phường; ghi tên thôn, tổ khi đánh giá cộng đồng thôn, tổ.",
            max_length=120,
        ),
    ),
}


def import_columns(version: FrameworkVersion) -> list[Column]:
    """Every column of an import file for `version`: the subject's, its group, then each input's answer and,
    where the framework asks for evidence, a note saying where it is kept."""
    spec = version.spec
    columns = list(SUBJECT_COLUMNS[version.subject])
    groups = spec.get("groups") or []
    if groups:
        columns.append(
            Column(
                "group",
                "Nhóm đối tượng",
                "Group",
                "choice",
                True,
                "Mã nhóm hoặc tên nhóm: "
                + "; ".join(f"{g['code']} = {title_text(g['title'])}" for g in groups),
                choices=tuple(g["code"] for g in groups),
            )
        )
    for item in spec["inputs"]:
        code, title = item["code"], title_text(item.get("title"))
        kind: ColumnType = item["type"] if item["type"] in ("int", "float", "bool") else "text"
        bounds = f"từ {item['min']} đến {item['max']}" if "min" in item else ""
        columns.append(
            Column(
                f"answer.{code}",
                f"{code}. {title}",
                f"{code}. {title_text(item.get('title'), 'en')}",
                kind,
                False,
                f"{title}. " + (f"Điểm {bounds}." if bounds else "Có hoặc Không." if kind == "bool" else ""),
                choices=("Có", "Không") if kind == "bool" else (),
                minimum=item.get("min"),
                maximum=item.get("max"),
                input_code=code,
            )
        )
        if item.get("evidence") == "required":
            columns.append(
                Column(
                    f"note.{code}",
                    f"Minh chứng {code}",
                    f"Evidence {code}",
                    "text",
                    False,
                    f"Minh chứng cho {code}: ghi minh chứng là gì và lưu ở đâu. Bắt buộc khi có điểm {code}.",
                    max_length=500,
                    input_code=code,
                )
            )
    return columns
