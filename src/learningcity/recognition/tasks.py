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


@task()
def import_check(job_id: str) -> str:
    """The dry run of an uploaded file (`imports.jobs.run_check`); returns the job's state."""
    from .imports.jobs import run_check

    return run_check(job_id).state


@task()
def import_store(job_id: str) -> str:
    """Store a checked file, all or nothing (`imports.jobs.run_store`); returns the job's state."""
    from .imports.jobs import run_store

    return run_store(job_id).state
