"""A framework's new version in a running campaign: the assessments not yet decided move to it and are
re-scored from their stored answers, all at once.

A corrected or updated set of criteria is loaded as a new framework version (a version with assessments is
never changed in place). A province coordinator then puts it in the campaign in place of the old one: the
open self-assessments (drafts, submitted, returned, appealed) are scored again by the new version's rules
over one frame and written back with one set-based update; decided ones keep the version and the result they
were decided on. One audit entry records the change and the counts.
"""

from __future__ import annotations

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity import bulk
from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.accounts.services import audit_append
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled

from ..models import Assessment, Campaign
from . import events
from .rollups import OPEN_STATUSES, rollups_refresh
from .scoring import scored

CHUNK = 200_000  # assessments re-scored at a time


@transaction.atomic
def campaign_framework_upgrade(
    *, actor: User, campaign: Campaign, version: FrameworkVersion
) -> dict[str, int]:
    """Put `version` in `campaign` in place of the campaign's version of the same framework; returns the
    counts of assessments re-scored and of decided ones kept as they were."""
    if not policy.covers(actor, policy.CAMPAIGN_ROLES, campaign.territory):
        raise PermissionDenied(_("You cannot run a campaign on this territory."))
    link = (
        campaign.campaign_frameworks.select_for_update()
        .select_related("framework_version")
        .filter(framework_version__code=version.code)
        .first()
    )
    if link is None:
        raise ValidationError({"framework": _("This framework is not part of the campaign.")})
    old = link.framework_version
    if old.pk == version.pk:
        raise ValidationError({"framework": _("The campaign already uses this version.")})
    if old.subject != version.subject:
        raise ValidationError({"framework": _("The new version assesses another kind of subject.")})

    stored = Assessment.objects.filter(campaign=campaign, framework_version=old)
    open_ids = bulk.read_frame(stored.filter(status__in=OPEN_STATUSES).values_list("pk"), {"id": pl.Int64})
    types = {item["code"]: framework_compiled(version).schema[item["code"]] for item in version.inputs}
    now = bulk.now_text(timezone.now())
    # A chunk at a time, so that memory holds one chunk's answers and results, not the campaign's.
    for offset in range(0, open_ids.height, CHUNK):
        ids = open_ids.get_column("id").slice(offset, CHUNK).to_list()
        rows = bulk.read_frame(
            Assessment.objects.filter(pk__in=bulk.values_in(ids))
            .annotate(answers_text=Cast("answers", TextField()))
            .values_list("pk", "unit_id", "group", "answers_text"),
            {"id": pl.Int64, "unit_id": pl.Int64, "group": pl.String, "answers": pl.String},
        )
        # The stored answers read as the new version declares its inputs: an input it no longer has is left
        # out, one it adds is missing (null), as on the form.
        answers = rows.select(
            "id", "unit_id", "group", pl.col("answers").str.json_decode(pl.Struct(types)).struct.unnest()
        )
        bulk.update(
            Assessment,
            scored(version, answers, "id").select(
                "id",
                "result",
                "level",
                "score",
                pl.lit(version.pk).alias("framework_version_id"),
                pl.lit(now).alias("updated_at"),
            ),
        )
    link.framework_version = version
    link.save(update_fields=["framework_version"])
    if framework_compiled(version).rollups:
        rollups_refresh(campaign=campaign, version=version)
    counts = {"rescored": open_ids.height, "kept_decided": stored.exclude(status__in=OPEN_STATUSES).count()}
    audit_append(
        actor=actor,
        action="campaign.framework_upgrade",
        obj=campaign,
        unit=campaign.territory,
        data={"from": str(old), "to": str(version), **counts},
    )
    events.records_changed(campaign.pk)
    return counts
