"""Background jobs of analytics, run by `learningcity worker` (django-tasks)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min
from django_tasks import task

from learningcity.recognition.models import Campaign

from .models import RecognitionFigure
from .services import figures_rebuild


@task()
def figures_rebuild_campaign(campaign_id: int, requested_at: str) -> int:
    """Rebuild a campaign's figures after its records changed. Many decisions in a row queue many jobs; a
    job whose request is older than the campaign's last rebuild has nothing left to do."""
    campaign = Campaign.objects.select_related("territory").filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    built = RecognitionFigure.objects.filter(campaign=campaign).aggregate(at=Min("built_at"))["at"]
    if built is not None and built >= dt.datetime.fromisoformat(requested_at):
        return 0
    return figures_rebuild(campaign)
