"""A framework's new version put in a running campaign: the open assessments move to it and are re-scored
from their stored answers, exactly as one record is scored; decided ones keep what they were decided on."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from learningcity.accounts.models import AuditEntry
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled
from learningcity.frameworks.services import DATA_DIR, framework_version_load
from learningcity.recognition.models import Assessment, Campaign, Status
from learningcity.recognition.services.assessments import _context, summarise
from learningcity.recognition.services.rescoring import campaign_framework_upgrade

from ..cast import Cast
from .test_pipeline import citizen, commit, dry_run, xlsx


def new_version(versions: dict[str, FrameworkVersion]) -> FrameworkVersion:
    """The learning-citizen criteria again as version 2026.1, with the pass mark lowered from 80 to 70."""
    text = (DATA_DIR / "vn" / "learning-citizen.yaml").read_text(encoding="utf-8")
    assert 'version: "2022.1"' in text and "ELSE 80 END" in text
    text = text.replace('version: "2022.1"', 'version: "2026.1"').replace("ELSE 80 END", "ELSE 70 END")
    version, created = framework_version_load(text=text, source="test: a corrected version")
    assert created
    return version


def test_the_open_assessments_move_to_the_new_version_rescored_and_decided_ones_stay(
    tmp_path: Path, cast: Cast, campaign: Campaign, versions: dict[str, FrameworkVersion]
) -> None:
    rows = [citizen("Lò Thị Ón", marks=(7,) * 10), citizen("Quàng Văn Ún", marks=(9,) * 10)]
    rows.append(citizen("Cầm Thị Hoa", marks=(7,) * 10))
    assert commit(dry_run(xlsx(tmp_path / "file.xlsx", rows), cast, campaign), cast).state == "done"
    old = versions["vn.learning-citizen"]
    by_name = {a.person.full_name: a for a in Assessment.objects.select_related("person")}
    assert by_name["Lò Thị Ón"].result["passes"] is False  # 70 under the old pass mark of 80
    Assessment.objects.filter(pk=by_name["Cầm Thị Hoa"].pk).update(status=Status.REJECTED)
    version = new_version(versions)

    with pytest.raises(PermissionDenied):
        campaign_framework_upgrade(actor=cast.officer_a, campaign=campaign, version=version)
    counts = campaign_framework_upgrade(actor=cast.province, campaign=campaign, version=version)

    assert counts == {"rescored": 2, "kept_decided": 1}
    assert set(campaign.frameworks.filter(code="vn.learning-citizen")) == {version}
    after = {
        a.person.full_name: a
        for a in Assessment.objects.select_related("person", "unit", "framework_version")
    }
    on = after["Lò Thị Ón"]
    assert on.framework_version == version and on.result["passes"] is True and on.score == 70
    # Exactly what the one-record path gives for the same answers under the new version.
    for name in ("Lò Thị Ón", "Quàng Văn Ún"):
        one = after[name]
        row = framework_compiled(version).evaluate_one({**one.answers, **_context(one)})
        assert one.result == summarise(version, row) and one.status == Status.SUBMITTED
    decided = after["Cầm Thị Hoa"]
    assert decided.framework_version == old and decided.result == by_name["Cầm Thị Hoa"].result
    entry = AuditEntry.objects.get(action="campaign.framework_upgrade")
    assert entry.actor == cast.province and entry.data["rescored"] == 2 and entry.data["to"] == str(version)

    with pytest.raises(ValidationError):  # once is enough
        campaign_framework_upgrade(actor=cast.province, campaign=campaign, version=version)


def test_the_command_upgrades_as_the_coordinator_named(
    tmp_path: Path,
    cast: Cast,
    campaign: Campaign,
    versions: dict[str, FrameworkVersion],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        commit(dry_run(xlsx(tmp_path / "file.xlsx", [citizen("Lò Thị Ón")]), cast, campaign), cast).state
        == "done"
    )
    version = new_version(versions)
    call_command(
        "upgrade_framework",
        campaign=campaign.pk,
        framework="vn.learning-citizen",
        framework_version="2026.1",
        user=cast.province.username,
    )
    assert "1 assessments re-scored" in capsys.readouterr().out
    assert Assessment.objects.get().framework_version == version
