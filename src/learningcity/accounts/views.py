"""Account pages: sign-up (login + citizen record) and the commune search it uses.

Login and logout are Django's views with our templates (accounts/urls.py); django-axes throttles the login.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from learningcity.recognition.services import person_register_self

from .forms import SignupForm, apply_service_errors, commune_label, communes_matching, hamlets_of

# The account is fresh and has just given its password: log it in with the plain model backend
# (the axes backend only throttles password checks).
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    # "Find" only refreshes the commune list (the page works without JavaScript); it does not register.
    if request.method == "POST" and "find" not in request.POST and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                person_register_self(
                    user=user,
                    unit=form.unit,
                    full_name=form.cleaned_data["full_name"],
                    consent=form.cleaned_data["consent"],
                    sex=form.cleaned_data["sex"],
                    birth_date=form.cleaned_data["birth_date"],
                    ethnicity=form.cleaned_data["ethnicity"],
                    id_number=form.cleaned_data["id_number"],
                )
        except ValidationError as error:
            apply_service_errors(form, error, aliases={"unit": "commune"})
        else:
            login(request, user, backend=LOGIN_BACKEND)
            messages.success(request, _("Welcome! You are registered as a citizen."))
            return redirect("home")
    status = 400 if request.method == "POST" and form.errors and "find" not in request.POST else 200
    return render(
        request, "accounts/signup.html", {"form": form, "searched": "find" in request.POST}, status=status
    )


@require_GET
def unit_search(request: HttpRequest) -> JsonResponse:
    """Today's communes matching `q` (diacritics folded), each with its hamlets: public names only."""
    communes = communes_matching(request.GET.get("q", "")[:100])
    return JsonResponse(
        {
            "results": [
                {
                    "id": unit.pk,
                    "label": commune_label(unit),
                    "hamlets": [{"id": hamlet.pk, "name": hamlet.name} for hamlet in hamlets_of(unit)],
                }
                for unit in communes
            ]
        }
    )
