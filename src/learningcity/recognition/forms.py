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

from .models import Assessment, Evidence

NOTE_PREFIX = "note__"  # input codes cannot contain "__" (frameworks.engine), so these never clash
NOTE_MAX_LENGTH = 1000  # what assessment_save keeps


def in_language(title: Any) -> str:
    """A framework text {"vi": …, "en": …} in the current language (Vietnamese when in doubt)."""
    if not isinstance(title, dict):
        return str(title or "")
    language = (get_language() or "vi").split("-")[0]
    return str(title.get(language) or title.get("vi") or title.get("en") or "")


@dataclass
class Indicator:
    code: str
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
                label=_("Citizen group"),
                choices=[("", _("Choose your group"))]
                + [(g["code"], in_language(g["title"])) for g in groups],
                required=False,
                disabled=disabled,
            )
        for item in version.inputs:
            attrs: dict[str, Any] = {"data-code": item["code"], "class": "answer"}
            if item["type"] in ("int", "float"):
                attrs.update(inputmode="numeric" if item["type"] == "int" else "decimal")
                attrs.update(
                    min=item.get("min"), max=item.get("max"), step=1 if item["type"] == "int" else "any"
                )
                widget: forms.Widget = forms.NumberInput(attrs=attrs)
            else:
                widget = forms.TextInput(attrs=attrs)
            self.fields[item["code"]] = forms.CharField(
                label=in_language(item["title"]), required=False, widget=widget, disabled=disabled
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
        initial.update({code: value for code, value in assessment.answers.items()})
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
    campaign = forms.IntegerField()
    framework_version = forms.IntegerField()
    group = forms.CharField(required=False, max_length=20)
