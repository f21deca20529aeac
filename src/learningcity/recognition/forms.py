"""Forms of the citizen pages.

The self-assessment form is built from the framework version's inputs; it only carries text. The rules
(types, ranges, groups, what a submission needs) belong to the services, whose ValidationErrors land on the
fields named by the input codes (`learningcity.accounts.forms.apply_service_errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from learningcity.frameworks.models import FrameworkVersion

from .models import Assessment, Evidence, SubjectKind

MAX_ID = 2**63 - 1  # beyond 64 bits the databases fail rather than find nothing

NOTE_PREFIX = "note__"  # input codes cannot contain "__" (frameworks.engine), so these never clash
NOTE_MAX_LENGTH = 1000  # what assessment_save keeps
# A yes/no criterion (đạt / không đạt) is two radios, not a checkbox: an unticked box would read as "no"
# and could not tell an honest "not met" from "not answered yet". The services read "true"/"false".
BOOL_CHOICES = [("true", _("Met")), ("false", _("Not met"))]


def in_language(title: Any) -> str:
    """A framework text {"vi": …, "en": …} in the current language (Vietnamese when in doubt)."""
    if not isinstance(title, dict):
        return str(title or "")
    language = (get_language() or "vi").split("-")[0]
    return str(title.get(language) or title.get("vi") or title.get("en") or "")


@dataclass
class Indicator:
    code: str
    kind: str  # the input's type: int | float | bool | str
    title: str
    provisional: bool
    evidence: str  # required | optional | none
    max: Any
    pass_min: Any
    answer: forms.BoundField
    note: forms.BoundField
    files: list[Evidence] = field(default_factory=list)


@dataclass
class Competency:
    code: str
    title: str
    indicators: list[Indicator] = field(default_factory=list)


class AssessmentForm(forms.Form):
    """Answers, evidence notes and the citizen group of one self-assessment."""

    def __init__(self, *args: Any, version: FrameworkVersion, disabled: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        groups = version.spec.get("groups", [])
        if groups:
            self.fields["group"] = forms.ChoiceField(
                label=_("Citizen group") if version.subject == "person" else _("Group"),
                choices=[("", _("Choose your group"))]
                + [(g["code"], in_language(g["title"])) for g in groups],
                required=False,
                disabled=disabled,
            )
        for item in version.inputs:
            attrs: dict[str, Any] = {"data-code": item["code"], "class": "answer"}
            label = in_language(item["title"])
            if item["type"] == "bool":
                self.fields[item["code"]] = forms.ChoiceField(
                    label=label,
                    choices=BOOL_CHOICES,
                    required=False,
                    widget=forms.RadioSelect(attrs=attrs),
                    disabled=disabled,
                )
            else:
                if item["type"] in ("int", "float"):
                    attrs.update(inputmode="numeric" if item["type"] == "int" else "decimal")
                    attrs.update(
                        min=item.get("min"), max=item.get("max"), step=1 if item["type"] == "int" else "any"
                    )
                    widget: forms.Widget = forms.NumberInput(attrs=attrs)
                else:
                    widget = forms.TextInput(attrs=attrs)
                self.fields[item["code"]] = forms.CharField(
                    label=label, required=False, widget=widget, disabled=disabled
                )
            self.fields[NOTE_PREFIX + item["code"]] = forms.CharField(
                label=_("Evidence in words"),
                required=False,
                max_length=NOTE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_MAX_LENGTH}),
                disabled=disabled,
            )

    @classmethod
    def initial_of(cls, assessment: Assessment) -> dict[str, Any]:
        initial: dict[str, Any] = {"group": assessment.group}
        initial.update(
            {
                code: ("true" if value else "false") if isinstance(value, bool) else value
                for code, value in assessment.answers.items()
            }
        )
        initial.update({NOTE_PREFIX + code: text for code, text in assessment.notes.items()})
        return initial

    def answers(self) -> dict[str, str]:
        """The typed answers by input code (blank = not answered), for the services to check."""
        return {item["code"]: self.data.get(item["code"], "") for item in self.version.inputs}

    def notes(self) -> dict[str, str]:
        return {item["code"]: self.data.get(NOTE_PREFIX + item["code"], "") for item in self.version.inputs}

    def group(self) -> str | None:
        return str(self.data.get("group", "")) if "group" in self.fields else None

    def competencies(self, evidence: list[Evidence]) -> list[Competency]:
        """The indicators grouped by competency, in file order, with their titles in the current language."""
        files: dict[str, list[Evidence]] = {}
        for attached in evidence:
            files.setdefault(attached.input_code, []).append(attached)
        sections: dict[str, Competency] = {
            c["code"]: Competency(c["code"], in_language(c["title"]))
            for c in self.version.spec.get("competencies", [])
        }
        for item in self.version.inputs:
            key = item.get("competency") or ""
            section = sections.setdefault(key, Competency(key, ""))
            section.indicators.append(
                Indicator(
                    code=item["code"],
                    kind=item["type"],
                    title=in_language(item["title"]),
                    provisional=bool(item.get("provisional")),
                    evidence=item.get("evidence", "none"),
                    max=item.get("max"),
                    pass_min=item.get("pass_min"),
                    answer=self[item["code"]],
                    note=self[NOTE_PREFIX + item["code"]],
                    files=files.get(item["code"], []),
                )
            )
        return [section for section in sections.values() if section.indicators]


class EvidenceForm(forms.Form):
    input_code = forms.CharField(max_length=63)
    file = forms.FileField(label=_("Evidence file"), allow_empty_file=True)


class StartAssessmentForm(forms.Form):
    """Open an assessment: of the user's own citizen record when no subject is named, else of the subject
    (a household the user heads, or any subject an officer may enter for)."""

    campaign = forms.IntegerField(min_value=1, max_value=MAX_ID)
    framework_version = forms.IntegerField(min_value=1, max_value=MAX_ID)
    group = forms.CharField(required=False, max_length=20)
    subject_kind = forms.ChoiceField(choices=SubjectKind.choices, required=False)
    subject_id = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("subject_id") is not None and not data.get("subject_kind"):
            raise forms.ValidationError(_("Say what kind of subject this is."))
        if data.get("subject_kind") not in (None, "", SubjectKind.PERSON) and data.get("subject_id") is None:
            raise forms.ValidationError(_("Choose the subject to assess."))
        return data
