"""Background jobs of the recognition workflow, run by `learningcity worker` (django-tasks)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from learningcity.frameworks.models import FrameworkVersion
from learningcity.jobs import jobs_waiting

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


# How long a queued application of receipts waits for more to arrive: the latency traded for batches.
GATHER = dt.timedelta(seconds=0.5)


@task(queue_name="intake")
def submissions_apply() -> dict[str, int]:
    """Apply the intake's waiting receipts (`services.intake.receipts_apply`): the counts applied, refused."""
    from .services.intake import receipts_apply

    return receipts_apply()


def submissions_apply_later() -> None:
    """Queue `submissions_apply` to run `GATHER` from now, unless one is queued and not yet started: it
    applies every receipt waiting when it runs, so a stream of receipts keeps one job queued instead of one
    per receipt, and each job applies what arrived in a moment (a job per receipt would spend its time on
    its own fixed costs). Once started a job is no longer READY: a receipt arriving then queues the next."""
    waiting = jobs_waiting(submissions_apply)
    if waiting is not None and waiting.exists():
        return
    backend = submissions_apply.get_backend()
    later = submissions_apply.using(run_after=timezone.now() + GATHER) if backend.supports_defer else None
    (later or submissions_apply).enqueue()
