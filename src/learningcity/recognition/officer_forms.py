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
from .models import Campaign, Sex, Status, SubjectKind
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


class IdListField(forms.Field):
    """Many record ids sent under one name (checkboxes); cleaned to a list of distinct positive integers.

    Any ids: which of them the user may act on is the selectors' and the services' question.
    """

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Choose from the list.")}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(str(item)) for item in values]
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(not 0 < item < 2**63 for item in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(ids))


class QueueTab:
    DUE = "due"
    CERTIFY = "certify"
    ALL = "all"
    CHOICES = (
        (DUE, _("Waiting for my review")),
        (CERTIFY, _("Approved, to recognise")),
        (ALL, _("All in my area")),
    )


# The review stages a framework's review_chain can name (frameworks.engine.REVIEW_STAGES), as pages say them.
STAGE_CHOICES = [
    ("hamlet", _("Hamlet / residential group")),
    ("commune", _("Commune")),
    ("province", _("Province")),
]


class FrameworkVersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title(get_language() or 'vi')} · {obj.version}"


class QueueFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=QueueTab.CHOICES, required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    campaign = CampaignChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False, empty_label=_("All campaigns")
    )
    framework = FrameworkVersionChoiceField(
        label=_("Framework"),
        queryset=FrameworkVersion.objects.none(),
        required=False,
        empty_label=_("All frameworks"),
    )
    kind = forms.ChoiceField(
        label=_("Subject"), choices=[("", _("Any subject")), *SubjectKind.choices], required=False
    )
    unit = UnitChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("Any stage")), *STAGE_CHOICES], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        campaigns = selectors.campaigns_visible(user).prefetch_related(None)  # a list of names only
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
        self.fields["framework"].queryset = FrameworkVersion.objects.filter(  # type: ignore[attr-defined]
            pk__in=campaigns.values("frameworks")
        ).order_by("code", "-loaded_at")
        self.fields["unit"].queryset = units_in_scope(  # type: ignore[attr-defined]
            user, policy.OFFICER_ROLES, (Level.COMMUNE, Level.HAMLET)
        )


class BulkScope:
    CHECKED = "checked"
    FILTERED = "filtered"


class BulkApproveForm(forms.Form):
    """Approve the ticked rows, or every row the queue's filters select (on every page)."""

    approve = forms.ChoiceField(
        choices=[
            (BulkScope.CHECKED, _("Approve the ticked assessments")),
            (BulkScope.FILTERED, _("Approve every assessment in this list")),
        ]
    )
    assessments = IdListField(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("approve") == BulkScope.CHECKED and not cleaned.get("assessments"):
            raise forms.ValidationError(_("Tick the assessments to approve."))
        return cleaned


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
        # Each framework's own target and deadlines, read only for the frameworks ticked.
        self.versions = list(self.fields["frameworks"].queryset)  # type: ignore[attr-defined]
        for version in self.versions:
            for name, field in _framework_setting_fields().items():
                self.fields[f"fw{version.pk}_{name}"] = field

    def framework_settings(self) -> list[tuple[str, list[forms.BoundField], bool]]:
        """Per framework: its title, its setting fields, and whether they hold anything (shown open)."""
        language = get_language() or "vi"
        rows = []
        for version in self.versions:
            fields = [self[f"fw{version.pk}_{name}"] for name in FRAMEWORK_SETTINGS]
            filled = any(field.errors or field.value() not in (None, "") for field in fields)
            rows.append((f"{version.title(language)} · {version.version}", fields, filled))
        return rows

    def targets(self) -> dict[int, dict[str, Any]]:
        """`services.campaign_create(targets=…)`: the ticked frameworks' own settings, the rate as a share."""
        targets: dict[int, dict[str, Any]] = {}
        for version in self.cleaned_data.get("frameworks") or []:
            values = {name: self.cleaned_data.get(f"fw{version.pk}_{name}") for name in FRAMEWORK_SETTINGS}
            if values["target_rate"] is not None:
                values["target_rate"] = values["target_rate"] / 100
            values = {name: value for name, value in values.items() if value not in (None, "")}
            if values:
                targets[version.pk] = values
        return targets


FRAMEWORK_SETTINGS = ("target_rate", "target_source", "submission_deadline", "review_deadline")


def _framework_setting_fields() -> dict[str, forms.Field]:
    return {
        "target_rate": forms.DecimalField(
            label=_("Target (percent of subjects recognised)"),
            required=False,
            min_value=0,
            max_value=100,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
        ),
        "target_source": forms.CharField(
            label=_("Source of the target"),
            required=False,
            max_length=200,
            help_text=_("The document that sets it, e.g. QĐ 387/QĐ-TTg."),
        ),
        "submission_deadline": forms.DateField(
            label=_("Own submission deadline"),
            required=False,
            widget=date_input(),
            help_text=_("Leave empty to use the campaign's."),
        ),
        "review_deadline": forms.DateField(
            label=_("Own review deadline"),
            required=False,
            widget=date_input(),
            help_text=_("Leave empty to use the campaign's."),
        ),
    }
