"""One error shape for every 4xx: `application/problem+json` (RFC 9457).

    {"type": "...", "title": "...", "status": 403, "detail": "...", "instance": "/api/...",
     "errors": [{"loc": ["body", "payload", "year"], "msg": "..."}]}    # `errors` when fields are named

`install(api)` maps every exception a route can meet onto that shape: ninja's own request validation (422),
authentication (401), Django's `PermissionDenied` (403), `Http404` and `DoesNotExist` (404), Django's
`ValidationError` raised by services (400, its `message_dict` becomes `errors`), and ninja's `HttpError`
(unparseable body 400, CSRF 403, throttling 429), and an oversized body (413). `core.LearningCityAPI` gives
405 and unknown paths the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import NinjaJSONEncoder

if TYPE_CHECKING:
    from ninja import NinjaAPI

PROBLEM_CONTENT_TYPE = "application/problem+json"

# Problem types (RFC 9457 §4). Plain HTTP errors use "about:blank", whose title is the status phrase; the
# types below say more than the status does, and docs/api.md lists them.
TYPE_BLANK = "about:blank"
TYPE_MALFORMED = "urn:learningcity:problem:malformed-request"  # 422: the request does not fit the schema
TYPE_INVALID = "urn:learningcity:problem:invalid-data"  # 400: well-formed, refused by the platform's rules
TYPE_UNPARSEABLE = "urn:learningcity:problem:unparseable-body"  # 400: the body is not JSON
TYPE_CSRF = "urn:learningcity:problem:csrf-failed"  # 403: session without a valid CSRF token
TYPE_BAD_BEARER = "urn:learningcity:problem:invalid-token"  # 401: a bearer token that is unknown or revoked


def not_found_detail() -> str:
    # Out of scope and nonexistent read the same, so a 404 never tells whether a record exists.
    return _("There is no such record, or it is outside your scope.")


def forbidden_detail(exc: PermissionDenied) -> str:
    return str(exc) or _("You may not do this.")


class ProblemError(Schema):
    """One field that was refused: where (`loc`, from the outside in) and why (`msg`)."""

    loc: list[str | int]
    msg: str


class Problem(Schema):
    """RFC 9457 problem details; every 4xx response of this API has this shape."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemError] | None = None


class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


class InvalidToken(AuthenticationError):
    pass


def problems(*statuses: int) -> dict[int, type[Problem]]:
    """The `response=` entries documenting which problems an operation may answer with."""
    return dict.fromkeys(statuses, Problem)


def _status_title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        413: _("Request body too large"),
        422: _("Unprocessable request"),
        429: _("Too many requests"),
    }
    if status in titles:
        return titles[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)


def problem_response(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    type_: str = TYPE_BLANK,
    title: str | None = None,
    errors: Sequence[dict[str, Any]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or _status_title(status),
        "status": status,
        "detail": detail,
        "instance": request.get_full_path(),
    }
    if errors:
        body["errors"] = list(errors)
    content = json.dumps(body, cls=NinjaJSONEncoder, ensure_ascii=False)
    return HttpResponse(content, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _loc(parts: Iterable[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in parts]


def _field_loc(field: str) -> list[str | int]:
    """A service error's field as a `loc`: "items.3.i1_1" (the input i1_1 of the fourth item) is
    ["items", 3, "i1_1"], as a schema error would name it."""
    return [int(part) if part.isdigit() else part for part in field.split(".")]


def _service_errors(exc: DjangoValidationError) -> tuple[str, list[dict[str, Any]]]:
    """`detail` and `errors` of a Django ValidationError; non-field messages also make up `detail`."""
    if not hasattr(exc, "error_dict"):
        messages = exc.messages
        return " ".join(messages), [{"loc": [], "msg": message} for message in messages]
    errors: list[dict[str, Any]] = []
    general: list[str] = []
    for field, messages in exc.message_dict.items():
        for message in messages:
            if field == NON_FIELD_ERRORS:
                general.append(message)
                errors.append({"loc": [], "msg": message})
            else:
                errors.append({"loc": _field_loc(field), "msg": message})
    detail = " ".join(general) or _("Some fields were refused; see errors.")
    return detail, errors


@contextmanager
def fields_as(names: Mapping[str, str]) -> Iterator[None]:
    """Report a service's ValidationError under the request's field names: a service names its fields as
    the model does (`framework_version`), the request may name them otherwise (`framework_id`)."""
    try:
        yield
    except DjangoValidationError as refused:
        if not hasattr(refused, "error_dict"):
            raise
        raise DjangoValidationError(
            {names.get(field, field): messages for field, messages in refused.message_dict.items()}
        ) from None


def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": _loc(item.get("loc", ())), "msg": str(item.get("msg", item))}
        if isinstance(item, dict)
        else {"loc": [], "msg": str(item)}
        for item in exc.errors
    ]
    return problem_response(
        request,
        422,
        _("The request does not match the schema; see errors."),
        type_=TYPE_MALFORMED,
        errors=errors,
    )


def on_service_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    detail, errors = _service_errors(exc)
    return problem_response(request, 400, detail, type_=TYPE_INVALID, errors=errors)


def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if isinstance(exc, InvalidToken):
        response = problem_response(
            request, 401, _("The API token is unknown or was revoked."), type_=TYPE_BAD_BEARER
        )
    else:
        response = problem_response(request, 401, _("Log in, or send an API token: Authorization: Bearer …"))
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, CsrfFailed):
        return problem_response(
            request,
            403,
            _("The CSRF token is missing or wrong; send X-CSRFToken, or use an API token."),
            type_=TYPE_CSRF,
        )
    if exc.status_code == 400:
        # ninja raises this for a body it cannot parse
        return problem_response(
            request, 400, _("The request body is not valid JSON."), type_=TYPE_UNPARSEABLE
        )
    if exc.status_code == 429:
        return problem_response(request, 429, _("Too many requests; try again later."))
    return problem_response(request, exc.status_code, str(exc))


def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(request, 403, forbidden_detail(exc))


def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return problem_response(request, 413, _("The request body is too large."))
    return problem_response(request, 400, _("The request was refused as malformed."))


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, 404, not_found_detail())


def install(api: NinjaAPI) -> None:
    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (NinjaValidationError, on_ninja_validation),
        (DjangoValidationError, on_service_validation),
        (AuthenticationError, on_authentication),
        (HttpError, on_http_error),
        (PermissionDenied, on_permission_denied),
        (Http404, on_not_found),
        (ObjectDoesNotExist, on_not_found),
        (SuspiciousOperation, on_suspicious),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
