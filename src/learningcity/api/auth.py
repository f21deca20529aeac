"""Who is calling: a bearer token (scripts, other systems) or the browser's session (with CSRF on writes).

Tokens are made with `manage.py api_token USERNAME NAME`; only their SHA-256 is stored (accounts.ApiToken).
A request that sends `Authorization: Bearer …` is judged by that token alone: a wrong token is a 401 even
when a session cookie rides along, so a client never silently acts as someone else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from learningcity.accounts.models import ApiToken, User

from .errors import CsrfFailed, InvalidToken

# last_used_at is refreshed at most this often, so a busy client does not turn every read into a write.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


class ApiRequest(HttpRequest):
    """The request an operation receives: `auth` is the user the token or the session belongs to."""

    auth: User


class BearerToken(HttpBearer):
    """`Authorization: Bearer lc_…`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), user__is_active=True)
            .first()
            if token
            else None
        )
        if found is None:
            raise InvalidToken()
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """Django's login session. CSRF is enforced on unsafe methods, but only once a session is known to exist:
    an anonymous call is a 401, not a confusing CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfFailed()
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return request.user if request.user.is_authenticated else None  # type: ignore[return-value]


AUTH = [BearerToken(), SessionAuth()]
