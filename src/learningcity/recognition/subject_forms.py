"""Forms of the subject pages (households, clans, organisations, communities, duplicates, population figures,
campaign rollover). They parse input and offer only choices inside the officer's scope; the services check
permission again on every write, so a form is a convenience for the honest user, never the guard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.accounts.models import User
from learningcity.territory.models import Level, Unit
from learningcity.territory.population import FIRST_YEAR, LAST_YEAR

from .models import OrganisationKind, Person
from .officer_forms import EnrolForm, UnitChoiceField, date_input, units_in_scope


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)


class OrganisationSearchForm(SearchForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *OrganisationKind.choices], required=False
    )


def _scoped_units(field: forms.Field, user: User, roles: Iterable[str], levels: Iterable[str]) -> None:
    field.queryset = units_in_scope(user, roles, levels)  # type: ignore[attr-defined]


class HouseholdForm(forms.Form):
    """A household's own fields; the unit only when it is created, the head only once it has members."""

    unit = UnitChoiceField(label=_("Hamlet, residential group or commune"), queryset=Unit.objects.none())
    name = forms.CharField(
        label=_("Name"), max_length=150, help_text=_("As people say it, e.g. “Hộ ông Lò Văn Hùng”.")
    )
    register_number = forms.CharField(
        label=_("Register number"),
        max_length=40,
        required=False,
        help_text=_("The household's number in the commune's register, if it has one."),
    )
    head = forms.ModelChoiceField(
        label=_("Head of the household"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        roles: Iterable[str],
        members: Any = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        if members is None:
            del self.fields["head"]
            _scoped_units(self.fields["unit"], user, roles, (Level.COMMUNE, Level.HAMLET))
        else:
            del self.fields["unit"]
            self.fields["head"].queryset = members  # type: ignore[attr-defined]


class ClanForm(forms.Form):
    unit = UnitChoiceField(
        label=_("Where the clan gathers"),
        queryset=Unit.objects.none(),
        help_text=_("Its households can come from anywhere in this commune."),
    )
    name = forms.CharField(label=_("Name"), max_length=150, help_text=_("e.g. “Dòng họ Lò”."))

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        roles: Iterable[str],
        create: bool,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        if create:
            _scoped_units(self.fields["unit"], user, roles, (Level.COMMUNE, Level.HAMLET))
        else:
            del self.fields["unit"]


class OrganisationForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    is_reviewing_body = forms.BooleanField(
        label=_("Reviewing body"),
        required=False,
        help_text=_("A learning-promotion association branch that reviews families, clans and communities."),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        roles: Iterable[str],
        create: bool,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        if create:
            _scoped_units(self.fields["unit"], user, roles, (Level.PROVINCE, Level.COMMUNE, Level.HAMLET))
        else:
            del self.fields["unit"]


class MemberEnrolForm(EnrolForm):
    """Register a new person on the household's own unit: the enrolment form without its unit."""

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data, user=user)
        del self.fields["unit"]


class PickForm(forms.Form):
    """One record chosen from a list the page offered (a person, a household)."""

    pk = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class MemberForm(PickForm):
    position = forms.CharField(label=_("Position"), required=False, max_length=100)


class OfferForm(forms.Form):
    """A (campaign, framework) pair of the subject's offers, as "campaign_pk:version_pk"."""

    offer = forms.RegexField(regex=r"^\d+:\d+$")

    def chosen(self) -> tuple[int, int]:
        campaign, version = self.cleaned_data["offer"].split(":")
        return int(campaign), int(version)


class MergeForm(forms.Form):
    keep = forms.IntegerField(label=_("Keep this record"), min_value=1)
    duplicate = forms.IntegerField(label=_("Merge this record into it"), min_value=1)
    reason = forms.CharField(
        label=_("Why they are the same person"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("keep") and cleaned.get("keep") == cleaned.get("duplicate"):
            raise forms.ValidationError(_("Choose two different records."))
        return cleaned


class PopulationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    people = forms.IntegerField(label=_("People"), required=False, min_value=0)
    adults = forms.IntegerField(label=_("Adults"), required=False, min_value=0)
    households = forms.IntegerField(label=_("Households"), required=False, min_value=0)
    clans = forms.IntegerField(label=_("Clans"), required=False, min_value=0)
    hamlets = forms.IntegerField(label=_("Hamlets and residential groups"), required=False, min_value=0)
    organisations = forms.IntegerField(label=_("Organisations"), required=False, min_value=0)
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        help_text=_("Where the figures come from: a census, the commune's register, a statistical yearbook."),
    )


class PopulationImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: unit_code, year, people, adults, households, clans, hamlets, organisations, source. "
            "One row per commune (today's code) and year; empty cells are unknown figures."
        ),
    )


class RolloverForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, help_text=_("Leave empty to keep the name.")
    )
    year = forms.IntegerField(label=_("Year"))
    opens_on = forms.DateField(label=_("Opens on"), widget=date_input())
    submission_deadline = forms.DateField(label=_("Submission deadline"), widget=date_input())
    review_deadline = forms.DateField(label=_("Review deadline"), widget=date_input())
