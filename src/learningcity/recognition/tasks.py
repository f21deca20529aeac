"""Background jobs of the recognition workflow, run by `learningcity worker` (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from learningcity.frameworks.models import FrameworkVersion

from .models import Campaign
from .services.rollups import dependents_refresh


@task()
def rollups_refresh_dependents(campaign_id: int, member_version_id: int) -> int:
    """After members were recognised or revoked: refresh the roll-ups of the assessments that read them."""
    campaign = Campaign.objects.get(pk=campaign_id)
    member = FrameworkVersion.objects.get(pk=member_version_id)
    return dependents_refresh(campaign=campaign, member=member)
