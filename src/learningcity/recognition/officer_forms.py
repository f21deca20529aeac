"""Forms of the officer pages: they parse input and offer only choices inside the officer's scope.

Choice lists are scoped through `accounts.policy`; the services check permission again on every write, so a
form is a convenience for the honest user, never the guard.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Era, Level, Unit

from . import selectors
from .models import Campaign, Sex, Status
from .services import Decision


def date_input() -> forms.DateInput:
    """The phone's date picker; it sends and expects ISO dates whatever the page's language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def units_in_scope(user: User, roles: Iterable[str], levels: Iterable[str]) -> QuerySet[Unit]:
    """Today's units of `levels` that lie in the subtrees where `user` holds one of `roles`.

    `policy.scope_q` filters rows that *point to* a unit; this is the same rule applied to units themselves.
    """
    q = Q(pk__in=[])
    for path in policy.scope_paths(user, roles):
        q |= Q(path__startswith=path)
    return (
        Unit.objects.filter(q, era=Era.CURRENT, level__in=list(levels))
        .select_related("parent")
        .order_by("path")
    )


def unit_label(unit: Unit) -> str:
    """A hamlet is named with its commune ("Tổ 1 · Phường Tô Hiệu"); other units by their own name."""
    if unit.level == Level.HAMLET and unit.parent is not None:
        return f"{unit.name} · {unit.parent.name}"
    return unit.name


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return unit_label(obj)


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.year})"


class FrameworkChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title(get_language() or 'vi')} · {obj.version}"


class QueueTab:
    DUE = "due"
    CERTIFY = "certify"
    ALL = "all"
    CHOICES = (
        (DUE, _("Waiting for my review")),
        (CERTIFY, _("Approved, to recognise")),
        (ALL, _("All in my area")),
    )


class QueueFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=QueueTab.CHOICES, required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    campaign = CampaignChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False, empty_label=_("All campaigns")
    )
    unit = UnitChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.fields["campaign"].queryset = selectors.campaigns_visible(user)  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units_in_scope(  # type: ignore[attr-defined]
            user, policy.OFFICER_ROLES, (Level.COMMUNE, Level.HAMLET)
        )


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)


class ReviewForm(forms.Form):
    """One form, three buttons: the typed reason survives whichever decision is refused."""

    decision = forms.ChoiceField(
        choices=[
            (Decision.APPROVE, _("Approve")),
            (Decision.RETURN, _("Return for changes")),
            (Decision.REJECT, _("Reject")),
        ]
    )
    reason = forms.CharField(
        label=_("Reason (required to return or reject; the citizen reads it)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EnrolForm(forms.Form):
    unit = UnitChoiceField(label=_("Hamlet, residential group or commune"), queryset=Unit.objects.none())
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.OTHER)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=date_input())
    ethnicity = forms.CharField(label=_("Ethnicity"), required=False, max_length=60)
    id_number = forms.CharField(
        label=_("ID card number"),
        required=False,
        max_length=20,
        help_text=_("Stored only as a keyed hash and its last four digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    consent_confirmed = forms.BooleanField(
        label=_("The citizen agreed to the processing of their data"),
        error_messages={"required": _("Confirm that the citizen agreed to the processing of their data.")},
    )

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data)
        units = units_in_scope(user, policy.ENROLMENT_ROLES, (Level.COMMUNE, Level.HAMLET))
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if data is None:
            only = list(units[:2])
            if len(only) == 1:  # a hamlet head has one hamlet: choose it for them
                self.initial["unit"] = only[0].pk


class AssessmentStartForm(forms.Form):
    """Pick one (campaign, framework) pair open to the person, and optionally their citizen group."""

    offer = forms.ChoiceField(label=_("Campaign and framework"))
    group = forms.ChoiceField(label=_("Citizen group"), required=False)

    def __init__(self, data: Any = None, *, offers: list[tuple[Campaign, FrameworkVersion]]) -> None:
        super().__init__(data)
        language = get_language() or "vi"
        self.offers = {f"{campaign.pk}:{version.pk}": (campaign, version) for campaign, version in offers}
        self.fields["offer"].choices = [  # type: ignore[attr-defined]
            (key, f"{campaign.name} ({campaign.year}) · {version.title(language)}")
            for key, (campaign, version) in self.offers.items()
        ]
        groups: dict[str, str] = {}
        for _campaign, version in offers:
            for group in version.spec.get("groups", []):
                title = group["title"]
                groups.setdefault(
                    group["code"], title.get("en") if language.startswith("en") else title.get("vi")
                )
        self.fields["group"].choices = [("", _("Choose later")), *groups.items()]  # type: ignore[attr-defined]
        if not groups:
            self.fields["group"].widget = forms.HiddenInput()

    def chosen(self) -> tuple[Campaign, FrameworkVersion]:
        return self.offers[self.cleaned_data["offer"]]


DIVISION_TYPES = [
    ("thôn", _("Hamlet (thôn)")),
    ("bản", _("Village (bản)")),
    ("xóm", _("Hamlet (xóm)")),
    ("ấp", _("Hamlet (ấp)")),
    ("tổ dân phố", _("Residential group (tổ dân phố)")),
    ("khu phố", _("Neighbourhood (khu phố)")),
]


class HamletForm(forms.Form):
    # Validated against every commune of today's tree, offered only among the officer's own: the view asks the
    # policy whether the chosen commune is covered, so a forged choice is a 403, not a silent form error.
    commune = UnitChoiceField(
        label=_("Commune"), queryset=Unit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE)
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    division_type = forms.ChoiceField(label=_("Kind"), choices=DIVISION_TYPES, initial="thôn")
    disadvantaged_area = forms.BooleanField(
        label=_("Disadvantaged or ethnic-minority area"),
        required=False,
        help_text=_("Lowers the learning-citizen pass mark from 80 to 70 points for people registered here."),
    )

    def __init__(self, data: Any = None, *, communes: Iterable[Unit]) -> None:
        super().__init__(data)
        self.fields["commune"].widget.choices = [(unit.pk, unit.name) for unit in communes]


class HamletFlagForm(forms.Form):
    disadvantaged_area = forms.BooleanField(required=False)


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    year = forms.IntegerField(label=_("Year"))
    territory = UnitChoiceField(label=_("Territory"), queryset=Unit.objects.none())
    frameworks = FrameworkChoiceField(
        label=_("Frameworks"), queryset=FrameworkVersion.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=date_input())
    submission_deadline = forms.DateField(label=_("Submission deadline"), widget=date_input())
    review_deadline = forms.DateField(label=_("Review deadline"), widget=date_input())

    def __init__(self, data: Any = None, *, user: User, initial: dict[str, Any] | None = None) -> None:
        super().__init__(data, initial=initial)
        units = units_in_scope(user, policy.CAMPAIGN_ROLES, (Level.PROVINCE, Level.COMMUNE))
        self.fields["territory"].queryset = units  # type: ignore[attr-defined]
        if data is None and "territory" not in self.initial:
            top = units.first()  # ordered by path: the widest unit in scope, usually the province
            if top is not None:
                self.initial["territory"] = top.pk
