"""Writes of framework versions: seeding from the repository's files and administrators' uploads."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.services import audit_append

from .engine import FrameworkError, parse
from .models import FrameworkVersion

DATA_DIR = Path(__file__).resolve().parent / "data"


@transaction.atomic
def framework_version_load(*, text: str, source: str, actor: Any = None) -> tuple[FrameworkVersion, bool]:
    """Check a framework file and store it as a version; returns (version, created or replaced).

    `actor` is the uploading user (it must be allowed by `policy.can_manage_frameworks`), or None when the
    platform itself loads its seed files. The same file again is a no-op. A changed file under an existing
    version number replaces that version only while no assessment uses it; a version with assessments is never
    changed in place (give it a new number). Raises `FrameworkError` (file, key, reason) for a bad file.
    Every version stored or replaced appends an audit entry.
    """
    if actor is not None and not policy.can_manage_frameworks(actor):
        raise PermissionDenied(_("Only administrators load framework versions."))
    framework = parse(text, source)
    spec = framework.spec
    digest = hashlib.sha256(text.encode()).hexdigest()
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    fields = {
        "subject": spec["subject"],
        "title_vi": spec["title"]["vi"],
        "title_en": spec["title"]["en"],
        "spec": spec,
        "source_text": text,
        "sha256": digest,
        "loaded_from": source[-300:],
        "loaded_by": user,
    }
    existing = (
        FrameworkVersion.objects.select_for_update().filter(code=spec["id"], version=spec["version"]).first()
    )
    if existing is None:
        version = FrameworkVersion.objects.create(code=spec["id"], version=spec["version"], **fields)
        audit_append(
            actor=user, action="framework.load", obj=version, data={"sha256": digest, "source": source}
        )
        return version, True
    if existing.sha256 == digest:
        return existing, False
    if existing.assessments.exists():  # type: ignore[attr-defined]
        raise FrameworkError(
            source,
            "version",
            f"version {spec['version']} of {spec['id']} already has assessments and cannot change; "
            "give the corrected file a new version",
        )
    previous = existing.sha256
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.loaded_at = timezone.now()
    existing.save()
    audit_append(
        actor=user,
        action="framework.replace",
        obj=existing,
        data={"sha256": digest, "previous_sha256": previous, "source": source},
    )
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
