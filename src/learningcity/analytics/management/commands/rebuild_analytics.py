"""`learningcity rebuild-analytics`: rebuild the analytics table of every campaign (or of one), with a
progress bar; the same rebuild the background job runs after decisions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from learningcity.recognition.models import Campaign

from ...services import figures_rebuild


class Command(BaseCommand):
    help = "Rebuild the recognition figures (rates by unit and learning city) of every campaign, or of one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", type=int, help="only this campaign's id")

    def handle(self, *args: Any, **options: Any) -> None:
        campaigns = Campaign.objects.select_related("territory").order_by("year", "pk")
        if options["campaign"] is not None:
            campaigns = campaigns.filter(pk=options["campaign"])
            if not campaigns.exists():
                raise CommandError(f"No campaign {options['campaign']}.")
        chosen = list(campaigns)
        steps = sum(campaign.frameworks.count() for campaign in chosen)
        bar = tqdm(total=steps, unit="framework", disable=options["verbosity"] == 0)
        rows = 0
        for campaign in chosen:

            def say(code: str, campaign: Campaign = campaign) -> None:
                bar.set_postfix_str(f"{campaign.year} {code}")
                bar.update(1)

            rows += figures_rebuild(campaign, say=say)
        bar.close()
        self.stdout.write(f"Rebuilt {len(chosen)} campaigns: {rows} rows of figures.")
