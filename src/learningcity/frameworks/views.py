"""Administrators' pages for framework versions: the list, one version's parsed rules, and the upload.

Thin callers: the permission is `accounts.policy.can_manage_frameworks`, the reads are selectors, the
upload is `services.framework_version_load`, whose `FrameworkError` (file, key, reason) is shown on the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from learningcity.accounts import policy

from . import selectors, services
from .engine import FrameworkError
from .forms import FrameworkUploadForm


def _require_admin(request: HttpRequest) -> None:
    if not policy.can_manage_frameworks(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(_("Only administrators manage framework versions."))


@require_http_methods(["GET", "HEAD"])
def version_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(request, "frameworks/version_list.html", {"versions": selectors.framework_versions_list()})


@require_http_methods(["GET", "HEAD"])
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    version = selectors.framework_version_detail(pk)
    if version is None:
        raise Http404
    outline = selectors.framework_outline(version, get_language() or "vi")
    return render(request, "frameworks/version_detail.html", {"version": version, "outline": outline})


@require_http_methods(["GET", "HEAD", "POST"])
def version_upload(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = FrameworkUploadForm(request.POST or None, request.FILES or None)
    refusal: FrameworkError | None = None
    if request.method == "POST" and form.is_valid():
        name, text = form.cleaned_data["file"]
        try:
            version, changed = services.framework_version_load(text=text, source=name, actor=request.user)
        except FrameworkError as exc:
            refusal = exc
        else:
            if changed:
                messages.success(
                    request,
                    _("Loaded %(code)s version %(version)s.")
                    % {"code": version.code, "version": version.version},
                )
            else:
                messages.info(request, _("This exact file is already loaded; nothing changed."))
            return redirect("frameworks:detail", pk=version.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "frameworks/version_upload.html", {"form": form, "refusal": refusal}, status=status
    )
