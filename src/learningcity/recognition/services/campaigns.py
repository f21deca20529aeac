"""Writes of campaigns."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.accounts.services import audit_append
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Unit
from learningcity.text import nfc

from ..models import Campaign


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
    is_demo: bool = False,
) -> Campaign:
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
    campaign.frameworks.set(frameworks)
    audit_append(
        actor=actor,
        action="campaign.create",
        obj=campaign,
        unit=territory,
        data={"frameworks": [str(f) for f in frameworks]},
    )
    return campaign
