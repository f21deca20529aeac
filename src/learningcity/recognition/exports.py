"""What an officer can download as a spreadsheet: the subjects of their area, one kind at a time, and the
results of one framework in one campaign.

Every export is read through the scoped selectors, so it holds exactly the rows the officer could open page
by page, and personal data follows the pages' rule: the ID card number only as its last four digits, birth
year and ethnicity only for the roles that need them (`policy.SENSITIVE_DATA_ROLES`, as
`selectors.person_can_see_sensitive`).

An export is built in two steps. Calling `subjects_export` / `results_export` runs the small queries (scope,
labels) and fixes every text in the request's language; its `rows` are then read lazily, a chunk of rows
at a time from one query with the joins it needs, so an export of a whole province never holds its rows in
memory nor asks the database once per row. The rows iterator needs no request state (language, time zone),
so it can be consumed after the view has returned, as a streamed response does.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import title_text
from learningcity.territory.models import Level

from . import selectors
from .models import SUBJECT_FIELDS, Campaign, OrganisationKind, Sex, Status, SubjectKind
from .selectors import subjects as subject_selectors

# Rows fetched from the database per round trip while an export is written.
CHUNK = 2000
# The subjects an officer can export, in the order the export page lists them, with their ASCII file names.
SUBJECT_FILES: dict[str, str] = {
    SubjectKind.PERSON: "cong-dan",
    SubjectKind.HOUSEHOLD: "ho-gia-dinh",
    SubjectKind.CLAN: "dong-ho",
    SubjectKind.ORGANISATION: "to-chuc",
}
# Where a subject lies, as values() reads it: its unit and, for a hamlet, the commune above.
UNIT_FIELDS = ("unit__level", "unit__code", "unit__name", "unit__parent__code", "unit__parent__name")
# An assessment's subject is exactly one of these (`models.SUBJECT_FIELDS`): its name, and its sort key.
SUBJECT_NAMES = (
    "person__full_name",
    "household__name",
    "clan__name",
    "organisation__name",
    "community__name",
)
SUBJECT_SORT = tuple(f"{field}__name_folded" for field in SUBJECT_FIELDS.values())
ID_MASK = "••••••••"  # as `Person.id_number_masked` shows it: the number itself is never stored


@dataclass(frozen=True)
class Column:
    header: str
    width: float


@dataclass(frozen=True)
class Export:
    """One table to download: a sheet title, an ASCII file name (without extension), columns and rows."""

    title: str
    filename: str
    columns: list[Column]
    rows: Iterator[Sequence[Any]]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    @property
    def widths(self) -> list[float]:
        return [column.width for column in self.columns]


def ascii_name(text: str) -> str:
    """A file-name part in plain ASCII ("Tô Hiệu 2025" → "To-Hieu-2025"): some mail and download tools still
    mangle anything else in a Content-Disposition header."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode()
    return "-".join("".join(ch if ch.isalnum() or ch == "." else " " for ch in plain).split())


def _unit_columns() -> list[Column]:
    return [
        Column(_("Commune code"), 10),
        Column(_("Commune"), 24),
        Column(_("Hamlet or residential group"), 22),
    ]


def _unit_cells(
    level: str, code: str, name: str, parent_code: str | None, parent_name: str | None
) -> list[str]:
    """(commune code, commune, hamlet) of a unit: a hamlet is shown under its commune; a record kept on a
    commune (or, for an organisation, on the province) fills the first two columns only."""
    if level == Level.HAMLET:
        return [parent_code or "", parent_name or "", name]
    return [code, name, ""]


def _stream(
    queryset: QuerySet, fields: Sequence[str], row: Callable[..., Sequence[Any]]
) -> Iterator[Sequence[Any]]:
    """Rows of `queryset` read a chunk at a time, each made by `row(*unit_cells, *other values)`."""
    units = len(UNIT_FIELDS)
    for values in queryset.values_list(*UNIT_FIELDS, *fields).iterator(chunk_size=CHUNK):
        yield row(_unit_cells(*values[:units]), *values[units:])


def _yes_no() -> Callable[[bool | None], str]:
    yes, no = _("Yes"), _("No")
    return lambda value: "" if value is None else yes if value else no


# --------------------------------------------------------------------------------------------------------
# Subjects


def subject_kinds() -> list[tuple[str, str]]:
    """(kind, label) of the subjects an officer can export, in the order the export page lists them."""
    labels = dict(SubjectKind.choices)
    return [(kind, str(labels[kind])) for kind in SUBJECT_FILES]


def _sensitive(user: User) -> Q | None:
    """Which people's birth year and ethnicity the user may read, or None when they may read nobody's.

    The rule of `selectors.person_can_see_sensitive` as one condition over all rows. A user who holds no
    such role anywhere gets no such columns at all, rather than columns left blank that would read as
    "unknown".
    """
    if not policy.scope_paths(user, policy.SENSITIVE_DATA_ROLES):
        return None
    return policy.scope_q(user, policy.SENSITIVE_DATA_ROLES, "unit") | Q(user_id=user.pk)


def _people(user: User) -> tuple[list[Column], Iterator[Sequence[Any]]]:
    sensitive = _sensitive(user)
    columns = [*_unit_columns(), Column(_("Full name"), 28), Column(_("Sex"), 10)]
    if sensitive is not None:
        columns += [Column(_("Birth year"), 10), Column(_("Ethnicity"), 12)]
    columns += [Column(_("ID card number"), 16), Column(_("Household"), 28)]
    sexes = {code: str(label) for code, label in Sex.choices}
    people = subject_selectors.people_current(user).order_by("unit__path", "name_folded", "pk")
    people = people.annotate(
        sensitive=Case(When(sensitive, then=Value(True)), default=Value(False), output_field=BooleanField())
        if sensitive is not None
        else Value(False, output_field=BooleanField())
    )
    fields = (
        "full_name",
        "sex",
        "birth_year",
        "ethnicity",
        "id_number_last4",
        "household__name",
        "sensitive",
    )

    def row(
        unit: list[str],
        full_name: str,
        sex: str,
        birth_year: int | None,
        ethnicity: str,
        last4: str,
        household: str | None,
        may_see: bool,
    ) -> list[Any]:
        personal: list[Any] = []
        if sensitive is not None:
            personal = [birth_year, ethnicity] if may_see else [None, ""]
        return [
            *unit,
            full_name,
            sexes.get(sex, sex),
            *personal,
            ID_MASK + last4 if last4 else "",
            household or "",
        ]

    return columns, _stream(people, fields, row)


def _households(user: User) -> tuple[list[Column], Iterator[Sequence[Any]]]:
    columns = [
        *_unit_columns(),
        Column(_("Household register number"), 14),
        Column(_("Household"), 30),
        Column(_("Head of household"), 26),
        Column(_("Clan"), 20),
        Column(_("Members"), 10),
    ]
    households = (
        subject_selectors.households_visible(user)
        .annotate(member_count=Count("members", filter=Q(members__merged_into__isnull=True)))
        .order_by("unit__path", "name_folded", "pk")
    )
    fields = ("register_number", "name", "head__full_name", "clan__name", "member_count")

    def row(
        unit: list[str], number: str, name: str, head: str | None, clan: str | None, members: int
    ) -> list[Any]:
        return [*unit, number, name, head or "", clan or "", members]

    return columns, _stream(households, fields, row)


def _clans(user: User) -> tuple[list[Column], Iterator[Sequence[Any]]]:
    columns = [*_unit_columns(), Column(_("Clan"), 28), Column(_("Households"), 12)]
    clans = (
        subject_selectors.clans_visible(user)
        .annotate(household_count=Count("households"))
        .order_by("unit__path", "name_folded", "pk")
    )

    def row(unit: list[str], name: str, households: int) -> list[Any]:
        return [*unit, name, households]

    return columns, _stream(clans, ("name", "household_count"), row)


def _organisations(user: User) -> tuple[list[Column], Iterator[Sequence[Any]]]:
    columns = [
        *_unit_columns(),
        Column(_("Organisation"), 36),
        Column(_("Kind"), 24),
        Column(_("Reviewing body"), 12),
        Column(_("Members"), 10),
    ]
    kinds = {code: str(label) for code, label in OrganisationKind.choices}
    yes_no = _yes_no()
    organisations = (
        subject_selectors.organisations_visible(user)
        .annotate(member_count=Count("memberships", filter=Q(memberships__person__merged_into__isnull=True)))
        .order_by("unit__path", "name_folded", "pk")
    )
    fields = ("name", "kind", "is_reviewing_body", "member_count")

    def row(unit: list[str], name: str, kind: str, reviewing: bool, members: int) -> list[Any]:
        return [*unit, name, kinds.get(kind, kind), yes_no(reviewing), members]

    return columns, _stream(organisations, fields, row)


SUBJECT_EXPORTS: dict[str, Callable[[User], tuple[list[Column], Iterator[Sequence[Any]]]]] = {
    SubjectKind.PERSON: _people,
    SubjectKind.HOUSEHOLD: _households,
    SubjectKind.CLAN: _clans,
    SubjectKind.ORGANISATION: _organisations,
}


def subjects_export(*, user: User, kind: str) -> Export:
    """Every subject of `kind` (one of `SUBJECT_FILES`) the user may see, by unit then name."""
    columns, rows = SUBJECT_EXPORTS[kind](user)
    title = dict(subject_kinds())[kind]
    filename = f"{SUBJECT_FILES[kind]}-{timezone.localdate().isoformat()}"
    return Export(title=title, filename=filename, columns=columns, rows=rows)


# --------------------------------------------------------------------------------------------------------
# Results


def result_targets(user: User) -> list[tuple[Campaign, FrameworkVersion]]:
    """(campaign, framework version) pairs whose results the user can export: every campaign they can see,
    newest first, each with its frameworks. Two queries whatever the number of campaigns."""
    campaigns = selectors.campaigns_visible(user).order_by("-year", "name", "pk")
    return [
        (campaign, version)
        for campaign in campaigns
        for version in sorted(campaign.frameworks.all(), key=lambda v: (v.code, v.version))
    ]


def result_target(user: User, campaign_id: int, version_id: int) -> tuple[Campaign, FrameworkVersion] | None:
    """The campaign, when the user can see it, and one of its framework versions; None otherwise."""
    campaign = selectors.campaigns_visible(user).filter(pk=campaign_id).first()
    version = campaign.frameworks.filter(pk=version_id).first() if campaign is not None else None
    return (campaign, version) if campaign is not None and version is not None else None


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """A stored time as the officer reads it; spreadsheets have no time zones (openpyxl refuses aware
    datetimes), and the microseconds only clutter a cell."""
    if moment is None:
        return None
    return timezone.localtime(moment, zone).replace(tzinfo=None, microsecond=0)


def _answer(value: Any, yes_no: Callable[[bool | None], str]) -> Any:
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)  # a list or mapping: shown as written, never as a formula (safe_cell)


def results_export(*, user: User, campaign: Campaign, version: FrameworkVersion) -> Export:
    """The assessments of one framework version in one campaign that the user may see, one row each: where
    the subject lies, who it is, group, status, score, level, when it was submitted, and every answer."""
    language = get_language() or "vi"
    spec = version.spec
    inputs = [item["code"] for item in spec["inputs"]]
    columns = [
        *_unit_columns(),
        Column(_("Subject"), 30),
        Column(_("Group"), 8),
        Column(_("Status"), 20),
        Column(_("Score"), 8),
        Column(_("Level reached"), 24),
        Column(_("Submitted"), 18),
        *(
            Column(f"{item['code']}. {title_text(item.get('title'), language)}", 14)
            for item in spec["inputs"]
        ),
    ]
    levels = [*spec.get("levels", []), *([spec["otherwise"]] if spec.get("otherwise") else [])]
    level_titles = {level["code"]: title_text(level.get("title"), language) for level in levels}
    statuses = {code: str(label) for code, label in Status.choices}
    yes_no = _yes_no()
    zone = timezone.get_current_timezone()
    assessments = (
        selectors.assessments_visible(user)
        .filter(campaign=campaign, framework_version=version)
        .annotate(
            export_name=Coalesce(*SUBJECT_NAMES, output_field=CharField()),
            subject_sort=Coalesce(*SUBJECT_SORT, output_field=CharField()),
        )
        .order_by("unit__path", "subject_sort", "pk")
    )
    fields = ("export_name", "group", "status", "score", "level", "submitted_at", "answers")

    def row(
        unit: list[str],
        name: str | None,
        group: str,
        status: str,
        score: float | None,
        level: str,
        submitted_at: dt.datetime | None,
        answers: dict[str, Any] | None,
    ) -> list[Any]:
        answers = answers or {}
        return [
            *unit,
            name or "",
            group,
            statuses.get(status, status),
            score,
            level_titles.get(level, level),
            _local(submitted_at, zone),
            *(_answer(answers.get(code), yes_no) for code in inputs),
        ]

    filename = f"ket-qua-{campaign.year}-{ascii_name(version.code)}-{ascii_name(version.version)}"
    return Export(
        title=_("Results"), filename=filename, columns=columns, rows=_stream(assessments, fields, row)
    )


# --------------------------------------------------------------------------------------------------------
# Import templates


def template_versions(user: User) -> QuerySet[FrameworkVersion]:
    """Framework versions of the campaigns the user can see: their import templates may be downloaded."""
    campaigns = selectors.campaigns_visible(user).values("pk")
    return FrameworkVersion.objects.filter(campaigns__in=campaigns).distinct()


def template_filename(version: FrameworkVersion) -> str:
    return f"mau-nhap-{ascii_name(version.code)}-{ascii_name(version.version)}.xlsx"
