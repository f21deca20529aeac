from django.apps import AppConfig


def rebuild_later(campaign_id: int) -> None:
    """Queue the campaign's rebuild (the listener recognition calls after its records changed).

    A stream of changes (a submission after another) keeps one rebuild waiting per campaign: while one is
    queued and not yet started, its request time moves to now (one small UPDATE) instead of a new job
    being queued. Moving the time, not just skipping, matters: the job skips itself when the campaign was
    rebuilt after it was requested, and a rebuild that started before this change committed must not count.
    """
    from django.utils import timezone

    from learningcity.jobs import jobs_waiting

    from .tasks import figures_rebuild_campaign

    requested_at = timezone.now().isoformat()
    waiting = jobs_waiting(figures_rebuild_campaign)
    if waiting is not None and waiting.filter(args_kwargs__args__0=campaign_id).update(
        args_kwargs={"args": [campaign_id, requested_at], "kwargs": {}}
    ):
        return
    figures_rebuild_campaign.enqueue(campaign_id, requested_at)


class AnalyticsConfig(AppConfig):
    name = "learningcity.analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from learningcity.recognition.services import events

        events.on_records_changed(rebuild_later)
