"""The queue of background jobs, as django-tasks-db keeps it: the one place that reads its table directly."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_tasks import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def jobs_waiting(task: Any) -> QuerySet[DBTaskResult] | None:
    """The jobs of `task` queued and not yet started (None when its backend keeps no queue, as in tests).

    The worker locks a job's row to start it: once started, a job is no longer READY here, so a caller that
    finds one waiting may leave it to do the work (or change its arguments), and one that finds none must
    queue another."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, backend_name=backend.alias, task_path=task.module_path
    )
