"""Certificate pages: the holder's PDF, and the public check anyone can make from the code or the QR."""

from __future__ import annotations

import re

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from .certificates import certificate_for_reader, certificate_pdf, certificate_verify_url, pdf_response
from .selectors import certificate_public

CODE_SHAPE = re.compile(r"^[A-Z0-9]{4,16}$")


def normalise_code(raw: str) -> str:
    """A code as typed or read aloud: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


class CertificateCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Certificate code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not CODE_SHAPE.match(code):
            raise forms.ValidationError(_("A certificate code has letters and digits only, as printed."))
        return code


@require_safe
def certificate_pdf_view(request: HttpRequest, code: str) -> HttpResponse:
    """The certificate PDF, for its holder and the officers whose scope covers it; 404 for everyone else."""
    certificate = certificate_for_reader(user=request.user, code=normalise_code(code))
    if certificate is None:
        raise Http404
    pdf = certificate_pdf(
        certificate=certificate, verify_url=certificate_verify_url(code=certificate.code, request=request)
    )
    return pdf_response(pdf, f"certificate-{certificate.code}.pdf")


@require_http_methods(["GET", "POST"])
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """The public form: type the code on a certificate; GET ?code= (or the home page's POST) checks it."""
    data = request.POST if request.method == "POST" else request.GET
    form = CertificateCodeForm(data if "code" in data else None)
    if form.is_valid():
        return redirect("certificates:check", code=form.cleaned_data["code"])
    return render(request, "certificates/verify.html", {"form": form})


@require_safe
def certificate_check(request: HttpRequest, code: str) -> HttpResponse:
    """The public answer: only name, unit, title and year of a valid certificate; 404 otherwise."""
    certificate = certificate_public(normalise_code(code))
    if certificate is None:
        return render(
            request,
            "certificates/not_found.html",
            {"code": code[:32], "form": CertificateCodeForm()},
            status=404,
        )
    return render(request, "certificates/check.html", {"certificate": certificate})
