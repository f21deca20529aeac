from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .policy import is_officer


def platform(request: HttpRequest) -> dict[str, Any]:
    """What every page's chrome needs: whether to show the officer menu, and whether this is demo data."""
    user = getattr(request, "user", None)
    return {
        "show_officer_menu": bool(user and is_officer(user)),
        "demo_mode": bool(getattr(settings, "DEMO_MODE", False)),
    }
