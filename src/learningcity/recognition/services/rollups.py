"""Roll-ups: what a subject takes from its members' stored results (shares, counts), through the rule engine.

A framework's roll-up rules (`rollups:` in its file) read the members' assessments in the same campaign
against another framework: a household's people (learning citizens), a clan's households, a hamlet's
households, a commune's hamlets, an organisation's members. The members' stored `level` and `status` are read,
never re-scored. Members are listed whether or not they have an assessment: one without counts as a member
that does not pass (a household of four with one learning citizen is at 25%, not 100%).

- `rollup_values(assessment)`: one subject's values, for the form's instant feedback and the stored result;
- `rollups_refresh(campaign=…, version=…)`: every subject of a framework in a campaign at once, in bulk;
- `dependents_refresh_later(campaign, version)`: after members of `version` were recognised or revoked, the
  open assessments that read them are refreshed by a background job once the change is committed.

Both build the members' frame the same way and call the same `Framework.rollup`, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import models, transaction
from django.db.models import FilteredRelation, Q, QuerySet

from learningcity.frameworks.engine import MEMBER_FRAMEWORK, Framework
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled
from learningcity.territory.models import Level, Unit

from ..models import SUBJECT_FIELDS, Assessment, Campaign, Household, Person, Status

SUBJECT = "subject"  # the group column of a members' frame: the subject's primary key
# Assessments whose stored result may still change; a decided one keeps the result it was decided on.
OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.APPEALED)


@dataclass(frozen=True)
class Link:
    """One way members belong to subjects: rows of `model` whose `subject` lookup is the subject's pk."""

    model: type[models.Model]
    subject: str  # lookup from a member row to its subject's primary key
    assessments: str  # the member's reverse relation to its assessments
    where: Q = field(default_factory=Q)


_PEOPLE = Q(merged_into__isnull=True)  # a duplicate merged into another record is not a member twice
_ON_HAMLET = Q(unit__level=Level.HAMLET)
# (subject kind, member kind) → how members belong to subjects. A community is a unit: a hamlet's members are
# on it; a commune's are on it or on its hamlets (and its member communities are its hamlets).
LINKS: dict[tuple[str, str], tuple[Link, ...]] = {
    ("household", "person"): (Link(Person, "household_id", "assessments", _PEOPLE),),
    ("clan", "household"): (Link(Household, "clan_id", "assessments"),),
    ("clan", "person"): (Link(Person, "household__clan_id", "assessments", _PEOPLE),),
    ("organisation", "person"): (
        Link(Person, "organisation_memberships__organisation_id", "assessments", _PEOPLE),
    ),
    ("community", "household"): (
        Link(Household, "unit_id", "assessments"),
        Link(Household, "unit__parent_id", "assessments", _ON_HAMLET),
    ),
    ("community", "person"): (
        Link(Person, "unit_id", "assessments", _PEOPLE),
        Link(Person, "unit__parent_id", "assessments", _PEOPLE & _ON_HAMLET),
    ),
    ("community", "community"): (Link(Unit, "parent_id", "community_assessments", Q(level=Level.HAMLET)),),
}

# The columns read from the database, with their types (explicit: a one-row frame must type like a big one).
READ_SCHEMA: dict[str, pl.DataType] = {
    SUBJECT: pl.Int64(),
    "member": pl.Int64(),
    "assessment": pl.Int64(),
    "version": pl.Int64(),
    "level": pl.String(),
    "status": pl.String(),
    "score": pl.Float64(),
}
PERSON_READ_SCHEMA: dict[str, pl.DataType] = {
    "birth_year": pl.Int64(),
    "birth_date_year": pl.Int64(),
    "sex": pl.String(),
}


def _member_rows(
    link: Link, *, over: str, campaign: Campaign, versions: list[int], subjects: Sequence[int] | QuerySet[Any]
) -> pl.DataFrame:
    """One SQL read: every member of the subjects, with its assessment (if any) in the campaign."""
    found = FilteredRelation(
        link.assessments,
        condition=Q(
            **{
                f"{link.assessments}__campaign_id": campaign.pk,
                # An empty IN would drop the join's condition and every member with it: pk 0 matches nothing.
                f"{link.assessments}__framework_version_id__in": versions or [0],
            }
        ),
    )
    columns = [link.subject, "pk", "found__pk", "found__framework_version_id"]
    columns += ["found__level", "found__status", "found__score"]
    schema = dict(READ_SCHEMA)
    if over == "person":
        columns += ["birth_year", "birth_date__year", "sex"]
        schema |= PERSON_READ_SCHEMA
    rows = (
        link.model._default_manager.filter(link.where, **{f"{link.subject}__in": subjects})
        .annotate(found=found)
        .values_list(*columns)
    )
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def members_frame(
    framework: Framework, *, kind: str, campaign: Campaign, subjects: Sequence[int] | QuerySet[Any]
) -> pl.DataFrame:
    """The members' frame of every roll-up of `framework` for the given subjects (pks of subjects of `kind`).

    One row per (member framework, member): the group column `subject`, `framework` (the member framework's
    id) and the typed member columns of `engine.member_schema`. A member with two assessments (two versions of
    its framework in the campaign) counts once, with the newest.
    """
    parts = []
    for over, code in dict.fromkeys((rule["over"], rule["framework"]) for rule in framework.rollups):
        links = LINKS.get((kind, over))
        if not links:
            raise ValueError(f"a {kind} has no {over} members to roll up")
        # Whether a member passes is read from its stored level: the levels that earn its framework's title.
        stored = FrameworkVersion.objects.filter(code=code).only("sha256", "source_text", "loaded_from")
        versions = {version.pk: framework_compiled(version).passing_levels for version in stored}
        passing = [(pk, level) for pk, levels in versions.items() for level in sorted(levels)]
        rows = pl.concat(
            [
                _member_rows(link, over=over, campaign=campaign, versions=list(versions), subjects=subjects)
                for link in links
            ]
        )
        passes = pl.DataFrame(
            passing, schema={"version": pl.Int64(), "level": pl.String()}, orient="row"
        ).with_columns(pl.lit(True).alias("passes"))
        frame = (
            rows.sort("assessment", nulls_last=False)
            .unique(subset=[SUBJECT, "member"], keep="last", maintain_order=True)
            .join(passes, on=["version", "level"], how="left", maintain_order="left")
            .with_columns(
                pl.lit(code, dtype=pl.String).alias(MEMBER_FRAMEWORK),
                pl.col("passes").fill_null(False),
                (pl.col("status") == Status.RECOGNISED.value).fill_null(False).alias("recognised"),
            )
        )
        if over == "person":
            born = pl.coalesce("birth_year", "birth_date_year")
            frame = frame.with_columns((pl.lit(campaign.year, dtype=pl.Int64) - born).alias("age"))
        parts.append(
            frame.drop("member", "assessment", "version", "birth_year", "birth_date_year", strict=False)
        )
    return pl.concat(parts, how="diagonal_relaxed")


def rollup_values(assessment: Assessment) -> dict[str, Any]:
    """The roll-up values of one assessment's subject, from its members' stored results ({} without rules)."""
    framework = framework_compiled(assessment.framework_version)
    if not framework.rollups:
        return {}
    subject_pk = getattr(assessment, f"{SUBJECT_FIELDS[assessment.subject_kind]}_id")
    members = members_frame(
        framework, kind=assessment.subject_kind, campaign=assessment.campaign, subjects=[subject_pk]
    )
    row = framework.rollup(members, SUBJECT, groups=[subject_pk]).row(0, named=True)
    return {rule["code"]: row[rule["code"]] for rule in framework.rollups}


@transaction.atomic
def rollups_refresh(*, campaign: Campaign, version: FrameworkVersion, include_decided: bool = False) -> int:
    """Recompute the roll-ups, results, levels and scores of every open assessment of `version` in `campaign`.

    In bulk: one read of all the members' results per member link, one group-by, one evaluation of all the
    subjects, one bulk update. Assessments already decided (approved, recognised, rejected, revoked) keep the
    result they were decided on unless `include_decided`. Returns the number of assessments updated.
    """
    # Imported here: the scoring module imports this one (for `members_frame`).
    from .scoring import score_in_place

    framework = framework_compiled(version)
    if not framework.rollups:
        return 0
    subject_field = f"{SUBJECT_FIELDS[version.subject]}_id"
    found = Assessment.objects.filter(campaign=campaign, framework_version=version)
    if not include_decided:
        found = found.filter(status__in=OPEN_STATUSES)
    assessments = list(
        found.select_for_update(of=("self",)).select_related("unit", "framework_version").order_by("pk")
    )
    if not assessments:
        return 0
    score_in_place(version, campaign, assessments, members_of=found.values(subject_field))
    Assessment.objects.bulk_update(assessments, ["rollups", "result", "level", "score"], batch_size=500)
    return len(assessments)


def dependents(campaign: Campaign, member: FrameworkVersion) -> list[FrameworkVersion]:
    """The campaign's frameworks with roll-up rules that read results against `member`'s framework."""
    return [
        version
        for version in campaign.frameworks.all()
        if any(rule.get("framework") == member.code for rule in version.spec.get("rollups", []))
    ]


def dependents_refresh(*, campaign: Campaign, member: FrameworkVersion) -> int:
    """Refresh the open assessments whose roll-ups read `member`'s results; returns how many were updated."""
    with transaction.atomic():
        return sum(
            rollups_refresh(campaign=campaign, version=version) for version in dependents(campaign, member)
        )


def dependents_refresh_later(campaign: Campaign, member: FrameworkVersion) -> None:
    """Queue `dependents_refresh` for after the current transaction commits, when any framework depends.

    A recognition or a revocation changes what a household's or an organisation's share rules read; their open
    assessments would otherwise keep the value from their last save until someone edits them.
    """
    if not dependents(campaign, member):
        return
    # Imported here: the task module imports this one.
    from ..tasks import rollups_refresh_dependents

    transaction.on_commit(lambda: rollups_refresh_dependents.enqueue(campaign.pk, member.pk))
