"""`learningcity worker`: run background jobs from the database queue (django-tasks-db's worker)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background jobs (imports, rebuilds, reports) from the database queue until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue", default="*", help="queues to run, comma-separated; * for all (default: all)"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls of an empty queue (default: 1)"
        )
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many jobs")
        parser.add_argument(
            "--reload", action="store_true", help="restart when the code changes (development)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # django-tasks-db reloads on code changes whenever DEBUG is on; a worker beside the server (or in
        # production) must not, so reloading is opt-in here.
        call_command(
            "db_worker",
            queue_name=options["queue"],
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            reload=options["reload"],
            verbosity=options["verbosity"],
        )
