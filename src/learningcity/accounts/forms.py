"""Forms of the account pages: sign-up (a login plus a citizen record), and the helper that puts a service's
ValidationError onto a form's fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from learningcity.recognition.models import Sex
from learningcity.territory.models import Era, Level, Unit
from learningcity.territory.selectors import units_search

from .models import User

# How many communes a search offers; a name shared by more communes needs more letters.
COMMUNE_CHOICES = 15


def apply_service_errors(
    form: forms.BaseForm, error: ValidationError, aliases: Mapping[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: keys naming a field go to that field (through `aliases`
    when the service calls it differently), anything else above the form. The typed values stay bound."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.message_dict.items():
        field = (aliases or {}).get(key, key)
        target = field if field in form.fields else None
        if key == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, errors)


def commune_label(unit: Unit) -> str:
    """ "Phường Tô Hiệu — Tỉnh Sơn La": commune names repeat across provinces."""
    return f"{unit.name} — {unit.parent.name}" if unit.parent is not None else unit.name


def communes_matching(query: str) -> list[Unit]:
    """Today's communes whose folded name contains the folded query (with their province)."""
    if len(query.strip()) < 2:
        return []
    # units_search covers every level of today's tree; ask for more and keep the communes.
    found = units_search(query, limit=COMMUNE_CHOICES * 4).select_related("parent")
    return [unit for unit in found if unit.level == Level.COMMUNE][:COMMUNE_CHOICES]


def hamlets_of(commune: Unit | None) -> list[Unit]:
    if commune is None:
        return []
    return list(Unit.objects.filter(parent=commune, level=Level.HAMLET).order_by("name_folded"))


COMMUNES = Unit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).select_related("parent")


class SignupForm(UserCreationForm):
    """A login and the citizen it registers. Consent is checked by the service (`person_register_self`),
    which owns that rule; the form only carries the box."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    commune_query = forms.CharField(
        label=_("Your commune or ward"),
        required=False,
        help_text=_("Type part of the name, with or without accents, then choose it in the list."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "type": "search"}),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune or ward"),
        queryset=COMMUNES,
        error_messages={"required": _("Search for your commune or ward and choose it.")},
        widget=forms.RadioSelect,
    )
    hamlet = forms.ModelChoiceField(
        label=_("Hamlet or residential group (optional)"),
        queryset=Unit.objects.filter(era=Era.CURRENT, level=Level.HAMLET),
        required=False,
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("Choose"))] + Sex.choices)
    birth_date = forms.DateField(
        label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=60)
    id_number = forms.CharField(
        label=_("ID card number (optional)"),
        required=False,
        max_length=20,
        help_text=_(
            "Used only to avoid registering you twice; we keep a coded form and the last four digits."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("I agree to the processing of my personal data as described above."), required=False
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        commune, hamlet = cleaned.get("commune"), cleaned.get("hamlet")
        if hamlet is not None and commune is not None and hamlet.parent_id != commune.pk:
            self.add_error("hamlet", _("This hamlet does not belong to the chosen commune."))
        return cleaned

    def _bound_commune(self) -> Unit | None:
        """The commune chosen so far (valid or not yet validated), to keep it on the page after an error."""
        if hasattr(self, "cleaned_data") and self.cleaned_data.get("commune") is not None:
            return self.cleaned_data["commune"]
        if not self.is_bound:
            return None
        raw = self.data.get("commune")
        if not raw or not str(raw).isdigit():
            return None
        return COMMUNES.filter(pk=int(raw)).first()

    def commune_options(self) -> list[tuple[Unit, str, bool]]:
        """(commune, label, chosen) for the radio list: the search results and the commune already chosen."""
        chosen = self._bound_commune()
        query = self.data.get("commune_query", "") if self.is_bound else ""
        options = communes_matching(str(query))
        if chosen is not None and chosen.pk not in {unit.pk for unit in options}:
            options.insert(0, chosen)
        return [(unit, commune_label(unit), chosen is not None and unit.pk == chosen.pk) for unit in options]

    def hamlet_options(self) -> list[tuple[Unit, bool]]:
        raw = str(self.data.get("hamlet", "")) if self.is_bound else ""
        return [(unit, str(unit.pk) == raw) for unit in hamlets_of(self._bound_commune())]

    @property
    def unit(self) -> Unit:
        """Where the citizen is registered: the hamlet when given, else the commune."""
        return self.cleaned_data.get("hamlet") or self.cleaned_data["commune"]
