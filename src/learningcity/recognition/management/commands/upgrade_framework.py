"""`learningcity upgrade-framework`: put a framework's new version in a running campaign and re-score the
assessments not yet decided (`services.rescoring.campaign_framework_upgrade`), as a province coordinator."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition.models import Campaign
from learningcity.recognition.services.rescoring import campaign_framework_upgrade


class Command(BaseCommand):
    help = "Put a framework's new version in a campaign and re-score its assessments not yet decided."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", type=int, required=True, help="the campaign's id")
        parser.add_argument(
            "--framework", required=True, help="the framework's code, e.g. vn.learning-citizen"
        )
        parser.add_argument(
            "--framework-version", required=True, help="the new version's number, as loaded (e.g. 2026.1)"
        )
        parser.add_argument("--user", required=True, help="the username of the province coordinator")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        version = FrameworkVersion.objects.filter(
            code=options["framework"], version=options["framework_version"]
        ).first()
        if user is None or campaign is None or version is None:
            raise CommandError("Unknown --user, --campaign or --framework/--framework-version.")
        started = time.perf_counter()
        try:
            counts = campaign_framework_upgrade(actor=user, campaign=campaign, version=version)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError("; ".join(getattr(error, "messages", [str(error)]))) from error
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{campaign} now uses {version}: {counts['rescored']} assessments re-scored, "
            f"{counts['kept_decided']} decided ones kept as they were ({seconds:.1f} s)."
        )
