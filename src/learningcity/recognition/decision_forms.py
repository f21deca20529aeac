"""Forms of the decision, revocation and appeal pages: they parse input and offer only choices in scope.

The services check permission and validate again on every write; a form is a convenience for the honest user.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Unit

from . import selectors
from .models import Campaign
from .officer_forms import IdListField, UnitChoiceField, date_input, units_in_scope
from .services.decisions import ISSUING_LEVELS, REASON_MAX_LENGTH


class DecisionScopeForm(forms.Form):
    """What the decision is about: one (campaign, framework) pair and the issuing unit (sent by GET)."""

    offer = forms.ChoiceField(label=_("Campaign and framework"))
    unit = UnitChoiceField(label=_("Issuing unit"), queryset=Unit.objects.none(), empty_label=None)

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data)
        language = get_language() or "vi"
        self.offers: dict[str, tuple[Campaign, FrameworkVersion]] = {}
        for campaign in (
            selectors.campaigns_visible(user).prefetch_related("frameworks").order_by("-year", "name")
        ):
            for version in campaign.frameworks.all():
                self.offers[f"{campaign.pk}:{version.pk}"] = (campaign, version)
        self.fields["offer"].choices = [  # type: ignore[attr-defined]
            (key, f"{campaign.name} ({campaign.year}) · {version.title(language)} {version.version}")
            for key, (campaign, version) in self.offers.items()
        ]
        self.fields["unit"].queryset = units_in_scope(  # type: ignore[attr-defined]
            user, policy.OFFICER_ROLES, ISSUING_LEVELS
        )

    def chosen(self) -> tuple[Campaign, FrameworkVersion]:
        return self.offers[self.cleaned_data["offer"]]


class DecisionIssueForm(forms.Form):
    assessments = IdListField(
        required=False, error_messages={"required": _("Choose at least one approved assessment.")}
    )
    issued_on = forms.DateField(label=_("Date of the decision"), widget=date_input())
    signer_name = forms.CharField(label=_("Signed by (full name)"), max_length=150)
    signer_title = forms.CharField(
        label=_("Title of the signer"),
        max_length=150,
        help_text=_("As printed above the signature, for example: Chủ tịch, or KT. Chủ tịch – Phó Chủ tịch."),
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data, initial={"issued_on": timezone.localdate()})


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class AppealForm(ReasonForm):
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)


class AppealOutcome:
    UPHOLD = "uphold"
    DISMISS = "dismiss"


class AppealDecisionForm(ReasonForm):
    outcome = forms.ChoiceField(
        choices=[
            (AppealOutcome.UPHOLD, _("Uphold the appeal: review it again")),
            (AppealOutcome.DISMISS, _("Dismiss the appeal: the rejection is final")),
        ]
    )
