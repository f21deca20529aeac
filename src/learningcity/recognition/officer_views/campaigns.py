"""Campaigns: the list and creating one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learningcity.accounts import policy

from .. import selectors, services
from ..officer_forms import (
    CampaignForm,
)
from ..officer_pages import PAGE_SIZE, Officer, add_errors, officer_page, render_officer


@officer_page(methods=("GET",))
def campaigns(request: HttpRequest, officer: Officer) -> HttpResponse:
    page = Paginator(
        selectors.campaigns_visible(officer.user)
        .prefetch_related("frameworks")
        .order_by("-year", "name", "pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    language = get_language() or "vi"
    rows = [
        (campaign, [f"{v.title(language)} · {v.version}" for v in campaign.frameworks.all()])
        for campaign in page
    ]
    return render_officer(request, officer, "officer/campaigns.html", {"page": page, "rows": rows})


@officer_page(policy.CAMPAIGN_ROLES)
def campaign_create(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = CampaignForm(
        request.POST if request.method == "POST" else None,
        user=officer.user,
        initial={"year": timezone.localdate().year},
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=officer.user,
                name=data["name"],
                year=data["year"],
                territory=data["territory"],
                frameworks=list(data["frameworks"]),
                opens_on=data["opens_on"],
                submission_deadline=data["submission_deadline"],
                review_deadline=data["review_deadline"],
                targets=form.targets(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Campaign %(name)s was created.") % {"name": campaign.name})
            return redirect("officer:campaigns")
    return render_officer(request, officer, "officer/campaign_form.html", {"form": form})
