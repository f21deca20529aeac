"""Reads of frameworks: the compiled rule set of a stored version; the list and outline for admin pages."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db.models import Count, QuerySet

from .engine import Framework, parse
from .models import FrameworkVersion


@lru_cache(maxsize=64)
def _compiled(sha256: str, text: str, source: str) -> Framework:
    return parse(text, source)


def framework_compiled(version: FrameworkVersion) -> Framework:
    """The checked, ready-to-evaluate framework of a stored version (cached by content).

    Always evaluate this, not `version.spec`: PostgreSQL's jsonb does not keep the order of mapping keys, and
    `derived` expressions are evaluated in file order.
    """
    return _compiled(version.sha256, version.source_text, version.loaded_from)


def framework_latest(code: str) -> FrameworkVersion:
    return FrameworkVersion.objects.filter(code=code).latest("loaded_at")


def framework_versions_list() -> QuerySet[FrameworkVersion]:
    """Every stored version with its number of assessments (`assessment_count`), one query."""
    return (
        FrameworkVersion.objects.select_related("loaded_by")
        .annotate(assessment_count=Count("assessments"))
        .defer("source_text")
        .order_by("code", "-loaded_at", "-pk")
    )


def framework_version_detail(pk: int) -> FrameworkVersion | None:
    return (
        FrameworkVersion.objects.select_related("loaded_by")
        .annotate(assessment_count=Count("assessments"))
        .filter(pk=pk)
        .first()
    )


def title_text(title: Any, language: str = "vi") -> str:
    """A framework file's title ({vi, en}, or plain text) in the reader's language, else Vietnamese."""
    if not isinstance(title, dict):
        return str(title or "")
    return str(title.get(language[:2]) or title.get("vi") or title.get("en") or "")


def framework_outline(version: FrameworkVersion, language: str) -> dict[str, Any]:
    """The parsed file as a page shows it: texts in `language` ("vi" or "en"), everything in file order."""
    spec = framework_compiled(version).spec
    language = "en" if language.startswith("en") else "vi"
    competencies = {c["code"]: title_text(c["title"], language) for c in spec["competencies"]}
    return {
        "title": title_text(spec["title"], language),
        "subject": spec["subject"],
        "provisional": bool(spec.get("provisional")),
        "sources": [
            {
                "doc": s["doc"],
                "date": s.get("date", ""),
                "issuer": s.get("issuer", ""),
                "note": s.get("note", ""),
                "url": s["url"] if str(s.get("url", "")).startswith(("https://", "http://")) else "",
            }
            for s in spec["sources"]
        ],
        "groups": [
            {
                "code": g["code"],
                "title": title_text(g["title"], language),
                "provisional": bool(g.get("provisional")),
            }
            for g in spec["groups"]
        ],
        "context": [{"code": c["code"], "type": c["type"], "from": c["from"]} for c in spec["context"]],
        "inputs": [
            {
                "code": i["code"],
                "title": title_text(i["title"], language),
                "competency": competencies.get(i.get("competency", ""), i.get("competency", "")),
                "type": i["type"],
                "min": i.get("min"),
                "max": i.get("max"),
                "pass_min": i.get("pass_min"),
                "evidence": i["evidence"],
                "provisional": i["provisional"],
            }
            for i in spec["inputs"]
        ],
        "rollups": [
            {
                "code": r["code"],
                "title": title_text(r["title"], language),
                "description": r.get("description", ""),
                "over": r["over"],
                "framework": r.get("framework", ""),
                "expr": r["expr"],
                "type": r["type"],
                "when_empty": r.get("when_empty"),
                "provisional": r["provisional"],
            }
            for r in spec.get("rollups", [])
        ],
        "derived": [{"name": name, "sql": sql} for name, sql in spec["derived"].items()],
        "levels": [
            {
                "code": rule["code"],
                "title": title_text(rule["title"], language),
                "when": rule["when"],
                "description": rule.get("description", ""),
                "provisional": rule["provisional"],
            }
            for rule in spec["levels"]
        ],
        "otherwise": {
            "code": spec["otherwise"]["code"],
            "title": title_text(spec["otherwise"]["title"], language),
        },
        "review_chain": list(spec["review_chain"]),
        "certificate": (
            {
                "level": spec["certificate"]["level"],
                "title": title_text(spec["certificate"]["title"], language),
            }
            if spec.get("certificate")
            else None
        ),
        "feedback": dict(spec["feedback"]),
    }
