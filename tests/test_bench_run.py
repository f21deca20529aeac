"""The benchmark's progress lines."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import run  # noqa: E402 - the benchmark's own module, found on the path above


@pytest.mark.parametrize(("elapsed", "shown"), [(419.6, "[07:00]"), (59.4, "[00:59]"), (3601.0, "[60:01]")])
def test_a_progress_line_shows_whole_minutes_and_seconds(
    elapsed: float, shown: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run.time, "perf_counter", lambda: 1000.0 + elapsed)
    run.progress(1000.0, "rebuild done")
    assert capsys.readouterr().err == f"{shown} rebuild done\n"
