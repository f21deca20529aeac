"""The NinjaAPI this project serves, with the few things ninja does not do out of the box.

- 405 (ninja answers it with a bare HttpResponseNotAllowed) and paths under /api/ that match no route answer
  with the same problem+json shape as every other 4xx;
- the OpenAPI schema names `application/problem+json` as the media type of every documented 4xx.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from .errors import PROBLEM_CONTENT_TYPE, problem_response


def _problem_405(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if getattr(response, "status_code", None) == 405 and not response.get("Content-Type", "").startswith(
            PROBLEM_CONTENT_TYPE
        ):
            allowed = response.get("Allow", "")
            problem = problem_response(
                request,
                405,
                _("This path does not accept %(method)s; it accepts %(allowed)s.")
                % {"method": request.method, "allowed": allowed},
            )
            problem["Allow"] = allowed
            return problem
        return response

    return wrapped


def _unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem_response(request, 404, _("There is no such path in this API; see /api/docs."))


# ninja's views are csrf_exempt at the middleware level (session auth checks CSRF itself); so is the fallback.
_unknown_path.csrf_exempt = True  # type: ignore[attr-defined]


class LearningCityAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns: list[URLResolver | URLPattern] = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern):
                # ninja's root view only exists so reverse() can find the prefix; it raises a bare Http404.
                view = _unknown_path if pattern.name == "api-root" else _problem_405(pattern.callback)
                pattern = URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)
            patterns.append(pattern)
        patterns.append(re_path(r"^(?P<rest>.+)$", _unknown_path, name="unknown-path"))
        return patterns

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).startswith("4") and "application/json" in content:
                        response["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
        return schema
