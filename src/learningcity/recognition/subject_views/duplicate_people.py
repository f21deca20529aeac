"""Duplicate people: the groups of probable duplicates, and merging two records of one."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from ..models import Assessment
from ..officer_pages import Officer, add_errors, officer_page
from ..selectors import subjects as subject_selectors
from ..services import duplicates
from ..subject_forms import (
    MergeForm,
)
from .common import (
    paged,
    subject_page,
)


@officer_page(duplicates.MERGE_ROLES)
def duplicate_people(request: HttpRequest, officer: Officer) -> HttpResponse:
    """The groups of probable duplicates, each with a merge form; POST merges two records of one group."""
    form = MergeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        people = subject_selectors.people_current(officer.user)
        keep = get_object_or_404(people, pk=form.cleaned_data["keep"])
        duplicate = get_object_or_404(people, pk=form.cleaned_data["duplicate"])
        try:
            duplicates.person_merge(
                actor=officer.user, keep=keep, duplicate=duplicate, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(duplicate)s was merged into %(keep)s.")
                % {"duplicate": duplicate.full_name, "keep": keep.full_name},
            )
            return redirect("subjects:duplicates")
    groups = subject_selectors.people_duplicates(officer.user)
    page = paged(request, groups)
    shown = [person.pk for group in page for person in group.people]
    assessment_counts = Counter(
        dict(
            Assessment.objects.filter(person_id__in=shown)
            .values("person_id")
            .annotate(n=Count("pk"))
            .values_list("person_id", "n")
        )
    )
    posted = {form.data.get("keep"), form.data.get("duplicate")} if form.is_bound else set()
    rows = [
        (
            group,
            [(person, assessment_counts[person.pk]) for person in group.people],
            # The form with the officer's input and its errors goes back to the group it was sent from.
            form if posted & {str(p.pk) for p in group.people} else MergeForm(),
        )
        for group in page
    ]
    return subject_page(
        request, officer, "subjects/duplicates.html", {"page": page, "rows": rows, "form": form}
    )
