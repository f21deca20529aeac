"""Telling the apps above recognition that a campaign's records changed, without importing them.

Analytics (which sits on top of recognition) subscribes at start-up; recognition's services call
`records_changed` after a submission, a review decision, a recognition, a revocation or an import. The
listeners run after the transaction commits, so they never see, or queue work for, a change rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

Listener = Callable[[int], None]  # receives the campaign's primary key
_listeners: list[Listener] = []


def on_records_changed(listener: Listener) -> None:
    """Subscribe `listener` (once; an app's `ready()` may run twice in tests)."""
    if listener not in _listeners:
        _listeners.append(listener)


def records_changed(campaign_id: int) -> None:
    """The campaign's assessments changed: tell every listener once the transaction commits — once per
    campaign and transaction, however many records a bulk decision or an import changed."""
    waiting = transaction.get_connection().run_on_commit
    if any(getattr(callback, "campaign_id", None) == campaign_id for _sids, callback, _robust in waiting):
        return

    def tell() -> None:
        for listener in _listeners:
            listener(campaign_id)

    tell.campaign_id = campaign_id  # type: ignore[attr-defined]  # read back just above
    transaction.on_commit(tell)
