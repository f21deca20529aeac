"""Writes of campaigns: a year × a territory × a set of frameworks, each with its own deadlines and target."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.accounts.services import audit_append
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Unit
from learningcity.text import nfc

from ..models import Campaign, CampaignFramework

# What a per-framework entry of `targets` may hold; every key is optional.
TARGET_KEYS = frozenset({"submission_deadline", "review_deadline", "target_rate", "target_source"})


def _framework_settings(
    version: FrameworkVersion,
    entry: Mapping[str, Any],
    *,
    opens_on: dt.date,
    submission_deadline: dt.date,
    review_deadline: dt.date,
) -> dict[str, Any]:
    """One framework's own deadlines and target, checked; errors are keyed by the framework version's pk."""
    unknown = sorted(set(entry) - TARGET_KEYS)
    if unknown:
        raise ValueError(f"unknown target keys for framework version {version.pk}: {unknown}")
    own_submission = entry.get("submission_deadline")
    own_review = entry.get("review_deadline")
    submission = own_submission or submission_deadline
    review = own_review or review_deadline
    if not (opens_on <= submission <= review):
        raise ValidationError(
            _("%(framework)s: its deadlines must run in order after the opening day.")
            % {"framework": version.title(get_language() or "vi")}
        )
    rate = entry.get("target_rate")
    if rate is not None and rate != "":
        try:
            rate = Decimal(str(rate)).quantize(Decimal("0.0001"))
        except InvalidOperation:
            rate = Decimal(-1)
        if not (Decimal(0) <= rate <= Decimal(1)):
            raise ValidationError(
                _("%(framework)s: the target is a share between 0 and 1 (0.70 for 70%%).")
                % {"framework": version.title(get_language() or "vi")}
            )
    else:
        rate = None
    return {
        "submission_deadline": own_submission or None,
        "review_deadline": own_review or None,
        "target_rate": rate,
        "target_source": nfc(str(entry.get("target_source") or ""))[:200],
    }


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    name: str,
    year: int,
    territory: Unit,
    frameworks: list[FrameworkVersion],
    opens_on: dt.date,
    submission_deadline: dt.date,
    review_deadline: dt.date,
    targets: Mapping[int, Mapping[str, Any]] | None = None,
    is_demo: bool = False,
) -> Campaign:
    """Open a campaign on a territory the actor coordinates.

    `targets` maps a framework version's pk to that framework's own settings, each optional:
    `submission_deadline` and `review_deadline` (when they differ from the campaign's), `target_rate` (a
    share from 0 to 1, e.g. 0.70) and `target_source` (the document that sets it). Raises PermissionDenied
    outside the actor's territory, ValidationError for dates out of order, a year out of range or a bad
    target.
    """
    if not policy.covers(actor, policy.CAMPAIGN_ROLES, territory):
        raise PermissionDenied(_("You cannot run a campaign on this territory."))
    if not frameworks:
        raise ValidationError({"frameworks": _("Choose at least one framework.")})
    if not (opens_on <= submission_deadline <= review_deadline):
        raise ValidationError(
            {"review_deadline": _("Dates must run in order: opening, submission deadline, review deadline.")}
        )
    if not (2000 <= year <= 2100):
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    targets = targets or {}
    chosen = {version.pk for version in frameworks}
    stray = sorted(set(targets) - chosen)
    if stray:
        raise ValueError(f"targets name framework versions outside the campaign: {stray}")
    settings = {
        version.pk: _framework_settings(
            version,
            targets.get(version.pk, {}),
            opens_on=opens_on,
            submission_deadline=submission_deadline,
            review_deadline=review_deadline,
        )
        for version in frameworks
    }
    campaign = Campaign.objects.create(
        name=nfc(name),
        year=year,
        territory=territory,
        opens_on=opens_on,
        submission_deadline=submission_deadline,
        review_deadline=review_deadline,
        created_by=actor,
        is_demo=is_demo,
    )
    CampaignFramework.objects.bulk_create(
        CampaignFramework(campaign=campaign, framework_version=version, **settings[version.pk])
        for version in dict.fromkeys(frameworks)
    )
    audit_append(
        actor=actor,
        action="campaign.create",
        obj=campaign,
        unit=territory,
        data={
            "frameworks": [str(f) for f in frameworks],
            "targets": {
                str(version): {
                    key: str(value) if value is not None else None
                    for key, value in settings[version.pk].items()
                }
                for version in frameworks
                if any(settings[version.pk].values())
            },
        },
    )
    return campaign
