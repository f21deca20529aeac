from django.apps import AppConfig


def rebuild_later(campaign_id: int) -> None:
    """Queue the campaign's rebuild (the listener recognition calls after its records changed)."""
    from django.utils import timezone

    from .tasks import figures_rebuild_campaign

    figures_rebuild_campaign.enqueue(campaign_id, timezone.now().isoformat())


class AnalyticsConfig(AppConfig):
    name = "learningcity.analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from learningcity.recognition.services import events

        events.on_records_changed(rebuild_later)
