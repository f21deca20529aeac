from __future__ import annotations

import re
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django_tasks import TaskResultStatus, task

from learningcity.frameworks.selectors import framework_compiled
from learningcity.frameworks.services import frameworks_seed
from learningcity.recognition.demo import DemoLogin, DemoLogins
from learningcity.recognition.management.commands import demo as demo_command
from learningcity.recognition.management.commands import serve as serve_command
from learningcity.territory.models import Unit

FRAMEWORK = "vn.learning-citizen"
INDICATORS = ["i1_1", "i1_2", "i1_3", "i1_4", "i2_1", "i2_2", "i2_3", "i2_4", "i3_1", "i3_2"]

ANSWERS = """name,i1_1,i1_2,i1_3,i1_4,i2_1,i2_2,i2_3,i2_4,i3_1,i3_2,vung_kho_khan,note
Lò Thị Mai,9,8,8,9,8,7,8,8,9,9,không,passes at 80
Quàng Văn Ún,8,7,7,7,7,7,7,7,7,7,có,passes at 70 only
Nguyễn Văn Bình,8,7,7,7,7,7,7,7,7,7,0,71 is short of 80
Cầm Thị Ón, 8 ,,7,7,7,7,7,7,7,7,,one answer missing
Tòng Văn Panh,10,10,10,10,10,10,10,10,10,4,,one indicator below 5
Vì Thị Bun,,,,,,,,,,,,nothing answered
"""


@pytest.fixture
def framework(db) -> Any:  # noqa: ANN001
    (version,) = [v for v in frameworks_seed() if v.code == FRAMEWORK]
    return framework_compiled(version)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def evaluate(*args: str) -> str:
    out = StringIO()
    call_command("evaluate", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# --- evaluate ---


def test_evaluate_gives_the_levels_of_scoring_each_row_alone(framework: Any, tmp_path: Path) -> None:
    source = write(tmp_path / "answers.csv", ANSWERS)
    target = tmp_path / "results.csv"
    message = evaluate(FRAMEWORK, str(source), str(target), "--disadvantaged-column", "vung_kho_khan")
    assert "Scored 6 rows" in message

    given = pl.read_csv(source, infer_schema=False)
    results = pl.read_csv(target, infer_schema=False)
    assert results.columns == [*given.columns, *framework.spec["derived"], "level"]
    flags = {"không": False, "có": True, "0": False, None: None}
    for raw, row in zip(given.iter_rows(named=True), results.iter_rows(named=True), strict=True):
        answers = {code: int(raw[code]) if raw[code] is not None else None for code in INDICATORS}
        alone = framework.evaluate_one({**answers, "disadvantaged_area": flags[raw["vung_kho_khan"]]})
        assert row["level"] == alone["level"], raw["name"]
        assert int(row["total"]) == alone["total"], raw["name"]
    assert results["level"].to_list() == [
        "recognised",
        "recognised",
        "not_yet",
        "not_yet",
        "not_yet",
        "not_yet",
    ]
    assert results["note"][0] == "passes at 80"  # unknown columns pass through


def test_evaluate_refuses_a_bad_file_naming_row_and_column(framework: Any, tmp_path: Path) -> None:
    source = write(tmp_path / "bad.csv", "i1_1,i1_2,i3_2\n8,8,8\n7,bảy,8\n9,8,11\n")
    target = tmp_path / "results.csv"
    with pytest.raises(CommandError) as caught:
        evaluate(FRAMEWORK, str(source), str(target))
    assert caught.value.returncode == 2
    text = str(caught.value)
    assert "row 2, column i1_2: 'bảy' is not a number" in text
    assert "row 3, column i3_2: '11' is outside 0–10" in text
    assert not target.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("", "empty"),
        ("i1_1\n7.5\n", "is not a whole number"),
        ("i1_1,i1_1\n7,7\n", "appears more than once"),
    ],
)
def test_evaluate_exits_2_on_files_it_cannot_read(
    framework: Any, tmp_path: Path, content: str | None, expected: str
) -> None:
    source = tmp_path / "in.csv"
    if content is not None:
        write(source, content)
    with pytest.raises(CommandError) as caught:
        evaluate(FRAMEWORK, str(source), str(tmp_path / "out.csv"))
    assert caught.value.returncode == 2 and expected in str(caught.value)


def test_evaluate_exits_2_for_an_unknown_framework_or_version(framework: Any, tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "i1_1\n7\n")
    for args in (["vn.nothing"], [FRAMEWORK, "--version", "1999.9"]):
        with pytest.raises(CommandError) as caught:
            evaluate(args[0], str(source), str(tmp_path / "out.csv"), *args[1:])
        assert caught.value.returncode == 2 and "no framework" in str(caught.value)


def test_evaluate_takes_an_explicit_version(framework: Any, tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "i1_1\n7\n")
    message = evaluate(
        FRAMEWORK, str(source), str(tmp_path / "out.csv"), "--version", framework.spec["version"]
    )
    assert framework.spec["version"] in message


# --- help, demo, serve, worker ---


@pytest.mark.parametrize("name", ["demo", "serve", "worker", "evaluate"])
def test_every_command_has_a_one_line_help(name: str) -> None:
    command = load_command_class("learningcity.recognition", name)
    assert command.help and "\n" not in command.help and len(command.help) <= 110


def test_demo_prints_the_password_and_one_login_per_role(
    db,
    settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    settings.DEMO_MODE = True
    logins = [
        DemoLogin("administrator (superuser)", "demo-admin", ""),
        DemoLogin("hamlet head", "demo-hamlet", "Tổ 1, Phường Tô Hiệu"),
    ]
    canned = DemoLogins(password="hoctap-demo-2026", logins=logins, city="Thành phố Sơn La", people=300)
    monkeypatch.setattr(demo_command, "demo_load", lambda **kwargs: canned)
    out = StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    # .ci/demo-smoke reads the password as the first word after "password".
    assert re.search(r"password\W+(\S+)", text).group(1) == "hoctap-demo-2026"  # type: ignore[union-attr]
    assert "demo-hamlet" in text and "Tổ 1, Phường Tô Hiệu" in text
    assert (tmp_path / "static").is_dir()


def test_demo_refuses_to_run_on_a_production_setup(db, settings) -> None:  # noqa: ANN001
    settings.DEBUG = False
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE"):
        call_command("demo", stdout=StringIO())


class FakeProcess:
    started: list[FakeProcess] = []

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.signals: list[int] = []
        self.returncode: int | None = None
        FakeProcess.started.append(self)

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = 0
        return self.returncode

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)
        self.returncode = -signal.SIGTERM


def test_serve_runs_gunicorn_and_stops_the_worker_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeProcess.started = []
    monkeypatch.setattr(serve_command.subprocess, "Popen", FakeProcess)
    real_wait = FakeProcess.wait

    def wait_server(self: FakeProcess, timeout: float | None = None) -> int:
        # The server stops on its own (Ctrl+C): the worker is still running at that moment.
        if "gunicorn" in self.argv:
            assert FakeProcess.started[0].returncode is None
        return real_wait(self, timeout)

    monkeypatch.setattr(FakeProcess, "wait", wait_server)
    monkeypatch.setenv("PORT", "8123")
    call_command("serve", "--with-worker", stdout=StringIO())
    worker_process, server = FakeProcess.started
    assert worker_process.argv[-1] == "worker" and "learningcity.cli" in worker_process.argv
    argv = " ".join(server.argv)
    assert "-m gunicorn learningcity.wsgi:application" in argv
    assert "--bind 127.0.0.1:8123" in argv and "--workers 2" in argv and "--access-logfile -" in argv
    assert worker_process.signals == [signal.SIGTERM]


def test_serve_without_worker_starts_only_gunicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeProcess.started = []
    monkeypatch.setattr(serve_command.subprocess, "Popen", FakeProcess)
    call_command("serve", "--port", "8200", stdout=StringIO())
    (server,) = FakeProcess.started
    assert "127.0.0.1:8200" in server.argv


@task()
def record_a_unit_name(code: str) -> str:
    """A job for the worker test: reads the database, returns a value the test can check."""
    return Unit.objects.get(era="2025", level="province", code=code).name


def test_worker_runs_the_database_queue_until_it_is_empty(flushable_db, settings) -> None:  # noqa: ANN001
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = record_a_unit_name.enqueue("14")
    call_command("worker", "--batch", "--interval", "0", stdout=StringIO(), stderr=StringIO())
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "Tỉnh Sơn La"


def test_the_learningcity_command_lists_the_subcommands() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "learningcity.cli", "help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0
    for name in ("demo", "serve", "worker", "evaluate"):
        assert re.search(rf"^\s+{name}$", result.stdout, re.MULTILINE), name
