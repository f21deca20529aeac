"""Writes of framework versions: seeding from the repository's files and administrators' uploads."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.db import transaction

from .engine import FrameworkError, parse
from .models import FrameworkVersion

DATA_DIR = Path(__file__).resolve().parent / "data"


@transaction.atomic
def framework_version_load(*, text: str, source: str, actor: Any = None) -> tuple[FrameworkVersion, bool]:
    """Check a framework file and store it as a version; returns (version, created).

    The same file again is a no-op. A changed file under an existing version number replaces that version only
    while no assessment uses it; a version with assessments is never changed in place (give it a new number).
    """
    framework = parse(text, source)
    spec = framework.spec
    digest = hashlib.sha256(text.encode()).hexdigest()
    fields = {
        "subject": spec["subject"],
        "title_vi": spec["title"]["vi"],
        "title_en": spec["title"]["en"],
        "spec": spec,
        "source_text": text,
        "sha256": digest,
        "loaded_from": source[-300:],
        "loaded_by": actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    }
    existing = FrameworkVersion.objects.select_for_update().filter(code=spec["id"], version=spec["version"]).first()
    if existing is None:
        return FrameworkVersion.objects.create(code=spec["id"], version=spec["version"], **fields), True
    if existing.sha256 == digest:
        return existing, False
    if existing.assessments.exists():  # type: ignore[attr-defined]
        raise FrameworkError(
            source, "version",
            f"version {spec['version']} of {spec['id']} already has assessments and cannot change; "
            "give the corrected file a new version",
        )
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.save()
    return existing, True


def frameworks_seed() -> list[FrameworkVersion]:
    """Load every framework file shipped in `data/` (idempotent)."""
    loaded = []
    for path in sorted(DATA_DIR.rglob("*.yaml")):
        version, _created = framework_version_load(
            text=path.read_text(encoding="utf-8"), source=str(path.relative_to(DATA_DIR))
        )
        loaded.append(version)
    return loaded
