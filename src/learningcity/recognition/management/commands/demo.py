"""`learningcity demo`: build the database and load the demo city, then print one login per role."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from learningcity.recognition.demo import DemoLogins, demo_load


class Command(BaseCommand):
    help = "Build the database and load the demo city (Sơn La's four wards); prints one login per role."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError(
                "The demo city is synthetic data for trying the platform: run it with DEMO_MODE=true "
                "(or DEBUG=true), never on a production database."
            )
        started = time.monotonic()
        quiet = options["verbosity"] == 0
        self.stdout.write("Building the database…")
        call_command("migrate", interactive=False, verbosity=0)
        result = demo_load(progress=None if quiet else lambda message: self.stdout.write(f"  · {message}"))
        self.stdout.write("  · recognition figures for the dashboards")
        call_command("rebuild_analytics", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self._report(result, time.monotonic() - started)

    def _report(self, result: DemoLogins, seconds: float) -> None:
        write = self.stdout.write
        statuses = ", ".join(f"{status} {count}" for status, count in result.statuses.items())
        write(
            self.style.SUCCESS(
                f"Demo city ready in {seconds:.0f} s: {result.city}, {result.people} demo people."
            )
        )
        write(f"Campaign: {result.campaign} ({statuses}).")
        if result.finished:
            write(f"Finished campaign: {result.finished}.")
        write("")
        write(f"Every login below uses the demo password: {result.password}")
        rows = [("role", "username", "unit")] + [(x.role, x.username, x.unit) for x in result.logins]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for index, row in enumerate(rows):
            write(
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
            if index == 0:
                write("  " + "  ".join("-" * width for width in widths))
        write("")
        if not settings.DEMO_MODE:
            write(self.style.WARNING("Serve with DEMO_MODE=true so every page shows the demo-data banner."))
