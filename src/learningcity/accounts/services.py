"""Writes of accounts: the audit log, API tokens."""

from __future__ import annotations

from typing import Any

from django.db import models

from learningcity.territory.models import Unit

from .models import ApiToken, AuditEntry, User


def audit_entry(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    unit: Unit | None = None,
    reason: str = "",
    on_behalf_of_person_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """One entry of the audit log, not yet saved (many are appended at once with `bulk_create`)."""
    return AuditEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        unit=unit,
        reason=reason,
        on_behalf_of_person_id=on_behalf_of_person_id,
        data=data or {},
    )


def audit_append(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    unit: Unit | None = None,
    reason: str = "",
    on_behalf_of_person_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log; call inside the transaction of the change it records."""
    entry = audit_entry(
        actor=actor,
        action=action,
        obj=obj,
        unit=unit,
        reason=reason,
        on_behalf_of_person_id=on_behalf_of_person_id,
        data=data,
    )
    entry.save()
    return entry


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the key is returned once and only its hash is kept."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[3:11])
    return token, key
