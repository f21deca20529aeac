"""Pages of the territory: the public learning cities and the units they are made of, and the
administrators' upload of unit boundaries (`boundaries.boundaries_upload`, every refused feature shown)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from learningcity.accounts import policy

from . import boundaries, selectors
from .forms import BoundaryUploadForm
from .models import LearningCity


def learning_city_list(request: HttpRequest) -> HttpResponse:
    return render(request, "territory/learning_city_list.html", {"cities": selectors.learning_cities()})


def learning_city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(LearningCity, slug=slug)
    return render(
        request,
        "territory/learning_city_detail.html",
        {
            "city": city,
            "joined": selectors.learning_city_units(city, "joined"),
            "today": selectors.learning_city_units(city, "derived"),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def boundaries_upload_view(request: HttpRequest) -> HttpResponse:
    if not policy.can_manage_frameworks(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(_("Only administrators upload boundaries."))
    posted = request.method == "POST"
    form = BoundaryUploadForm(request.POST if posted else None, request.FILES if posted else None)
    errors: list[boundaries.BoundaryError] = []
    if posted and form.is_valid():
        try:
            count = boundaries.boundaries_upload(
                actor=request.user,  # type: ignore[arg-type]
                data=form.cleaned_data["file"].read(),
                level=form.cleaned_data["level"],
                source=form.cleaned_data["source"],
                licence=form.cleaned_data["licence"],
            )
        except boundaries.BoundaryUploadError as exc:
            errors = exc.errors
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request,
                ngettext(
                    "Stored the boundary of %(count)s unit.",
                    "Stored the boundaries of %(count)s units.",
                    count,
                )
                % {"count": count},
            )
            return redirect("territory:boundaries")
    coverage, counts = boundaries.boundaries_summary()
    return render(
        request,
        "territory/boundaries.html",
        {"form": form, "errors": errors, "coverage": coverage, "counts": counts},
        status=400 if posted else 200,
    )
