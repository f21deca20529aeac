"""Reads of frameworks: the compiled rule set of a stored version."""

from __future__ import annotations

from functools import lru_cache

from .engine import Framework, parse
from .models import FrameworkVersion


@lru_cache(maxsize=64)
def _compiled(sha256: str, text: str, source: str) -> Framework:
    return parse(text, source)


def framework_compiled(version: FrameworkVersion) -> Framework:
    """The checked, ready-to-evaluate framework of a stored version (cached by content)."""
    return _compiled(version.sha256, version.source_text, version.loaded_from)


def framework_latest(code: str) -> FrameworkVersion:
    return FrameworkVersion.objects.filter(code=code).latest("loaded_at")
