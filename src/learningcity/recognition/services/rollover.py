"""Next year's campaign from this year's: the same territory, frameworks, targets and deadlines, and a fresh
draft for every subject assessed this year, so nobody re-types the families, clans and organisations.

It copies subjects, never assessments: the new drafts have no answers, notes or evidence, and the old
campaign is left exactly as it was. Set-based: a fixed number of queries whatever the number of subjects
(roll-up rules, where a framework has them, are refreshed in bulk by `rollups.rollups_refresh`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.accounts.services import audit_append
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled
from learningcity.territory.models import Unit
from learningcity.text import nfc

from ..models import SUBJECT_FIELDS, Assessment, Campaign, CampaignFramework, Status, SubjectKind
from .assessments import contexts, summarise  # as every stored result has them
from .campaigns import campaign_create
from .rollups import rollups_refresh

# Where each kind of subject keeps its unit, as a lookup from an assessment.
SUBJECT_UNIT = {
    SubjectKind.PERSON: "person__unit_id",
    SubjectKind.HOUSEHOLD: "household__unit_id",
    SubjectKind.CLAN: "clan__unit_id",
    SubjectKind.ORGANISATION: "organisation__unit_id",
    SubjectKind.COMMUNITY: "community",  # a community is its own unit
}


def _latest_versions(codes: set[str]) -> dict[str, FrameworkVersion]:
    """The latest loaded version of each framework code (one query)."""
    latest: dict[str, FrameworkVersion] = {}
    for version in FrameworkVersion.objects.filter(code__in=codes).order_by("code", "-loaded_at", "-pk"):
        latest.setdefault(version.code, version)
    return latest


def _shifted(day: dt.date | None, old_anchor: dt.date, new_anchor: dt.date) -> dt.date | None:
    """A framework's own deadline, kept at the same distance from the campaign's deadline as before."""
    return new_anchor + (day - old_anchor) if day is not None else None


@transaction.atomic
def campaign_rollover(
    *,
    actor: User,
    campaign: Campaign,
    year: int,
    opens_on: dt.date,
    submission_deadline: dt.date,
    review_deadline: dt.date,
    name: str = "",
) -> Campaign:
    """Start a later year's campaign from `campaign`; province (city) coordinators of its territory only.

    The new campaign has the same territory, the latest version of each of the old campaign's frameworks,
    the same targets and per-framework deadlines shifted by as much as the campaign's own, and one fresh
    draft (no answers, notes or evidence; the citizen group kept) for every subject that had an assessment in
    the old campaign, merged people and subjects now outside the territory left out. Its name is the old one
    with the year replaced, unless `name` is given.
    """
    if not policy.covers(actor, policy.CAMPAIGN_ROLES, campaign.territory):
        raise PermissionDenied(_("You cannot run a campaign on this territory."))
    if year <= campaign.year:
        raise ValidationError({"year": _("A rollover starts a later year's campaign.")})
    new_name = nfc(name) or campaign.name.replace(str(campaign.year), str(year))
    if Campaign.objects.filter(territory=campaign.territory, year=year, name=new_name).exists():
        raise ValidationError({"year": _("This territory already has a campaign of this name in that year.")})

    old_frameworks = list(
        CampaignFramework.objects.filter(campaign=campaign).select_related("framework_version").order_by("pk")
    )
    latest = _latest_versions({cf.framework_version.code for cf in old_frameworks})
    targets: dict[int, dict[str, Any]] = {}
    for cf in old_frameworks:
        version = latest[cf.framework_version.code]
        targets.setdefault(
            version.pk,
            {
                "submission_deadline": _shifted(
                    cf.submission_deadline, campaign.submission_deadline, submission_deadline
                ),
                "review_deadline": _shifted(cf.review_deadline, campaign.review_deadline, review_deadline),
                "target_rate": cf.target_rate,
                "target_source": cf.target_source,
            },
        )
    versions = {version.pk: version for version in latest.values()}
    new = campaign_create(
        actor=actor,
        name=new_name,
        year=year,
        territory=campaign.territory,
        frameworks=[versions[pk] for pk in targets],
        opens_on=opens_on,
        submission_deadline=submission_deadline,
        review_deadline=review_deadline,
        targets=targets,
        is_demo=campaign.is_demo,
    )

    rows = list(
        Assessment.objects.filter(campaign=campaign)
        .filter(Q(person__isnull=True) | Q(person__merged_into__isnull=True))
        .values(
            "subject_kind",
            "group",
            "framework_version__code",
            *dict.fromkeys([*SUBJECT_FIELDS.values(), *SUBJECT_UNIT.values()]),
        )
        .order_by("pk")
    )
    unit_ids = {row[SUBJECT_UNIT[row["subject_kind"]]] for row in rows}
    units = Unit.objects.only("pk", "path").in_bulk(unit_ids)
    # The context values (unit flags, the group) of each draft, by the one function every record uses.
    context_of = {
        version.pk: contexts(
            version,
            [
                (units[row[SUBJECT_UNIT[row["subject_kind"]]]], row["group"])
                for row in rows
                if latest[row["framework_version__code"]].pk == version.pk
            ],
        )
        for version in versions.values()
    }
    results: dict[tuple[int, tuple], dict[str, Any]] = {}
    drafts: dict[tuple[int, str, int], Assessment] = {}
    outside = 0
    for row in rows:
        kind = row["subject_kind"]
        version = latest[row["framework_version__code"]]
        field = SUBJECT_FIELDS[kind]
        unit_id = row[SUBJECT_UNIT[kind]]
        path = units[unit_id].path
        if version.subject != kind:
            continue
        if not path.startswith(campaign.territory.path):
            outside += 1
            continue
        key = (version.pk, field, row[field])
        if key in drafts:
            continue  # two versions of one framework in the old campaign: one draft on the latest
        context = tuple(context_of[version.pk][(unit_id, row["group"])].items())
        if (version.pk, context) not in results:
            engine_row = framework_compiled(version).evaluate_one(dict(context))
            results[(version.pk, context)] = summarise(version, engine_row)
        summary = results[(version.pk, context)]
        score = summary["score"]
        drafts[key] = Assessment(
            campaign=new,
            framework_version=version,
            subject_kind=kind,
            unit_id=unit_id,
            group=row["group"],
            status=Status.DRAFT,
            result=summary,
            level=summary["level"],
            score=float(score) if score is not None else None,
            **{f"{field}_id": row[field]},
        )
    Assessment.objects.bulk_create(drafts.values(), batch_size=500)
    # Roll-up rules read the members' results: now that every draft exists, compute them in bulk, as any
    # change of a member would (a framework without roll-up rules costs nothing here).
    for version in versions.values():
        rollups_refresh(campaign=new, version=version)
    per_framework = Counter(str(draft.framework_version) for draft in drafts.values())
    audit_append(
        actor=actor,
        action="campaign.rollover",
        obj=new,
        unit=new.territory,
        data={"from_campaign": campaign.pk, "drafts": dict(per_framework), "left_out_outside": outside},
    )
    return new
