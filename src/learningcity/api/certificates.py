"""The public certificate check: anyone holding a code sees only name, unit, title and year (no login)."""

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.throttling import AnonRateThrottle

from learningcity.recognition import selectors

from .errors import problems
from .params import Text

router = Router(tags=["certificates"])

CertificateCode = Annotated[Text, Field(min_length=1, max_length=32)]


class CertificateOut(Schema):
    code: str
    holder_name: str
    unit_name: str
    title_vi: str
    title_en: str
    year: int
    issued_at: dt.datetime


@router.get(
    "/certificates/{code}",
    auth=None,
    throttle=[AnonRateThrottle("60/m")],
    response={200: CertificateOut, **problems(404, 429)},
    summary="Check a certificate by its verification code (public)",
    description="No login. Revoked and unknown codes are both 404.",
    operation_id="certificates_check",
)
def certificates_check(request: HttpRequest, code: CertificateCode) -> Any:
    certificate = selectors.certificate_public(code)
    if certificate is None:
        raise Http404
    return certificate
