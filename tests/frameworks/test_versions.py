"""Framework versions in the database: seeds and uploads, replaced only while no assessment uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from learningcity.accounts.models import AuditEntry
from learningcity.frameworks.engine import FrameworkError
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled, framework_latest, framework_versions_list
from learningcity.frameworks.services import DATA_DIR, framework_version_load, frameworks_seed
from learningcity.recognition import services

from ..cast import CITIZEN_FRAMEWORK, Cast

FILES = Path(__file__).resolve().parent / "files"
VALID = (FILES / "valid.yaml").read_text(encoding="utf-8")
SEED = (DATA_DIR / "vn/learning-citizen.yaml").read_text(encoding="utf-8")
CORRECTED = SEED.replace('en: "Not yet met"', 'en: "Not met yet"')


def loads(action: str) -> int:
    return AuditEntry.objects.filter(action=action, object_type="frameworks.frameworkversion").count()


@pytest.mark.django_db
def test_loading_the_same_file_twice_is_a_no_op() -> None:
    first, created = framework_version_load(text=VALID, source="valid.yaml")
    again, created_again = framework_version_load(text=VALID, source="elsewhere/valid.yaml")
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert FrameworkVersion.objects.filter(code="test.small").count() == 1
    assert again.loaded_from == "valid.yaml" and loads("framework.load") == 1


@pytest.mark.django_db
def test_a_changed_file_replaces_its_version_while_no_assessment_uses_it(cast: Cast) -> None:
    first, _ = framework_version_load(text=VALID, source="valid.yaml")
    changed = VALID.replace('en: "Passed"', 'en: "Met"')
    replaced, created = framework_version_load(text=changed, source="valid-2.yaml", actor=cast.admin)
    assert created and replaced.pk == first.pk
    replaced.refresh_from_db()
    assert replaced.source_text == changed and replaced.loaded_by == cast.admin
    assert replaced.spec["levels"][0]["title"]["en"] == "Met" and replaced.loaded_at >= first.loaded_at
    assert framework_compiled(replaced).spec["levels"][0]["title"]["en"] == "Met"
    entry = AuditEntry.objects.get(action="framework.replace")
    assert (entry.actor, entry.object_id, entry.data["previous_sha256"]) == (
        cast.admin,
        str(first.pk),
        first.sha256,
    )


@pytest.mark.django_db
def test_a_version_with_an_assessment_is_never_changed_in_place(cast: Cast) -> None:
    services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    with pytest.raises(FrameworkError) as refusal:
        framework_version_load(text=CORRECTED, source="learning-citizen.yaml", actor=cast.admin)
    assert (refusal.value.key, refusal.value.reason) == (
        "version",
        "version 2022.1 of vn.learning-citizen already has assessments and cannot change; "
        "give the corrected file a new version",
    )
    cast.framework.refresh_from_db()
    assert cast.framework.source_text == SEED


@pytest.mark.django_db
def test_a_new_version_number_coexists_with_the_old_one(cast: Cast) -> None:
    services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    newer, created = framework_version_load(
        text=CORRECTED.replace('version: "2022.1"', 'version: "2022.2"'),
        source="upload.yaml",
        actor=cast.admin,
    )
    assert created and newer.pk != cast.framework.pk
    assert sorted(
        FrameworkVersion.objects.filter(code=CITIZEN_FRAMEWORK).values_list("version", flat=True)
    ) == [
        "2022.1",
        "2022.2",
    ]
    assert framework_latest(CITIZEN_FRAMEWORK) == newer
    counts = {v.version: v.assessment_count for v in framework_versions_list().filter(code=CITIZEN_FRAMEWORK)}
    assert counts == {"2022.1": 1, "2022.2": 0}


@pytest.mark.django_db
def test_seeding_again_changes_nothing() -> None:
    first = frameworks_seed()
    entries = AuditEntry.objects.count()
    second = frameworks_seed()
    assert [v.pk for v in first] == [v.pk for v in second]
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_only_an_administrator_loads_a_version(cast: Cast) -> None:
    for actor in (cast.province, cast.officer_a, cast.head_a, cast.citizen_a, cast.expert, cast.outsider):
        with pytest.raises(PermissionDenied):
            framework_version_load(text=VALID, source="valid.yaml", actor=actor)
    assert not FrameworkVersion.objects.filter(code="test.small").exists()
    version, _ = framework_version_load(text=VALID, source="valid.yaml", actor=cast.admin)
    entry = AuditEntry.objects.get(action="framework.load", object_id=str(version.pk))
    assert entry.actor == cast.admin and version.loaded_by == cast.admin


@pytest.mark.django_db
def test_a_bad_file_stores_nothing() -> None:
    with pytest.raises(FrameworkError):
        framework_version_load(text=(FILES / "bad_window.yaml").read_text(encoding="utf-8"), source="x.yaml")
    assert not FrameworkVersion.objects.filter(code="test.small").exists()
    assert loads("framework.load") == 0


@pytest.mark.django_db
def test_the_compiled_rules_keep_the_files_order_whatever_the_database() -> None:
    (version,) = [v for v in frameworks_seed() if v.code == CITIZEN_FRAMEWORK]
    version = FrameworkVersion.objects.get(pk=version.pk)  # spec back from JSON (jsonb reorders keys)
    assert list(framework_compiled(version).spec["derived"]) == ["answered", "total", "pass_mark"]
