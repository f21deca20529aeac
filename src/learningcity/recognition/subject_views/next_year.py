"""Next year's campaign (rollover)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from learningcity.accounts import policy

from .. import selectors
from ..models import SubjectKind
from ..officer_pages import Officer, add_errors, officer_page
from ..services import rollover
from ..subject_forms import (
    RolloverForm,
)
from .common import (
    subject_page,
)


def _a_year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@officer_page(policy.CAMPAIGN_ROLES)
def campaign_rollover(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaigns_visible(officer.user), pk=pk)
    initial = {
        "year": campaign.year + 1,
        "opens_on": _a_year_later(campaign.opens_on),
        "submission_deadline": _a_year_later(campaign.submission_deadline),
        "review_deadline": _a_year_later(campaign.review_deadline),
    }
    form = RolloverForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            new = rollover.campaign_rollover(actor=officer.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            drafts = new.assessments.count()
            messages.success(
                request,
                _("Campaign %(name)s (%(year)s) was created with %(drafts)s drafts to fill in.")
                % {"name": new.name, "year": new.year, "drafts": drafts},
            )
            return redirect("officer:campaigns")
    counts = Counter(
        dict(
            campaign.assessments.filter(Q(person__isnull=True) | Q(person__merged_into__isnull=True))
            .values("subject_kind")
            .annotate(n=Count("pk"))
            .values_list("subject_kind", "n")
        )
    )
    return subject_page(
        request,
        officer,
        "subjects/rollover.html",
        {
            "campaign": campaign,
            "form": form,
            "subject_counts": [(SubjectKind(kind).label, n) for kind, n in sorted(counts.items())],
        },
    )
