"""The officer pages' gate and what every officer page shares: sign-in (a redirect) and role (403) before
the view, the officer menu, a service's refusal shown on its form, and the page size of their lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.territory import officer_services

PAGE_SIZE = 25


@dataclass(frozen=True)
class Officer:
    """The signed-in user and the roles they hold, as the page gate found them."""

    user: User
    roles: frozenset[str]

    def holds(self, roles: Iterable[str]) -> bool:
        return self.user.is_superuser or not self.roles.isdisjoint(roles)


OfficerView = Callable[..., HttpResponseBase]


def officer_page(
    roles: Iterable[str] = policy.OFFICER_ROLES, methods: Sequence[str] = ("GET", "POST")
) -> Callable[[OfficerView], Callable[..., HttpResponseBase]]:
    """Sign-in (redirect) and role (403) gate; the view receives an `Officer` after the request."""
    allowed = frozenset(roles)

    def decorator(view: OfficerView) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            user: User = request.user  # type: ignore[assignment]
            officer = Officer(user, frozenset(policy.roles_of(user)))
            if not officer.holds(allowed):
                raise PermissionDenied
            return view(request, officer, *args, **kwargs)

        return require_http_methods(list(methods))(wrapped)

    return decorator


def render_officer(
    request: HttpRequest, officer: Officer, template: str, context: dict[str, Any]
) -> HttpResponse:
    menu = {
        "enrol": officer.holds(policy.ENROLMENT_ROLES),
        "hamlets": officer.holds(officer_services.HAMLET_MANAGER_ROLES),
        "campaign_create": officer.holds(policy.CAMPAIGN_ROLES),
        "imports": officer.holds(policy.IMPORT_ROLES),
        "exports": officer.holds(policy.OFFICER_ROLES),
        "dashboard": officer.holds(policy.OFFICER_ROLES),
    }
    return render(request, template, {**context, "menu": menu})


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, else above it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def localised(title: dict[str, str] | None, language: str) -> str:
    if not title:
        return ""
    return (title.get("en") if language.startswith("en") else title.get("vi")) or ""


def days_left(deadline: dt.date) -> int:
    return (deadline - timezone.localdate()).days
