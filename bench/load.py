"""The load benchmark: citizens submit self-assessments while officers read dashboards, through the production
server setup (gunicorn in front of Django, DEBUG off, PostgreSQL), driven on loopback by locust, headless.

    .venv/bin/python bench/load.py --database-url postgres://…/learningcity_bench_ours [--seconds 60]
    .venv/bin/python bench/load.py --database-url postgres://…/test --people 20000 --seconds 30  # a trial

The database must hold the benchmark's campaign ("Benchmark", vn.learning-citizen, on province 14) as
`bench/run.py` leaves it after the "ours" import; `--people N` first makes such a database itself, in the
scratch database `--scratch-db` (dropped and created again) on the server that `--database-url` names.

Before the clock (`prepare`, set-based): one citizen account per draft self-assessment to be submitted, each
linked to its Person with the citizen role and already signed in (a session row, as Django's login writes
it: logging in costs a password hash of about 0.4 s, which no citizen pays per submission); when the
campaign holds too few drafts, submitted ones are set back to "returned" (the citizen corrects and sends
again, the same code path). Officers (the province's coordinator, commune officers) sign in through the
login form in locust's `on_start`; django-axes only locks a username and address pair after failed logins,
so these never lock.

A citizen does what the assessment page makes a browser do: GET the page (the form and its CSRF token), POST
the form with `action=submit`, which answers 302 back to the page when the submission was accepted (400 with
the reasons when refused), and GET the page it redirects to. An officer reads `/officer/dashboard/`, its
drill-down to a child unit, and `GET /api/figures`. Only the window after every simulated user has signed in
counts; CPU is read from /proc for each process tree (locust, gunicorn, the PostgreSQL server) at both ends of
that window. This same file is locust's locustfile (it defines the users when `LOAD_PLAN` is set).

By default every user starts its next task at once (a saturation test: the rate is what the server can
take, the latency mostly queueing). `--rate N` has the citizens arrive at random, N submissions/s in all on
average (each waits an exponentially distributed time between two flows: independent people, not a
drumbeat — paced at fixed intervals, users started together stay in step and arrive in bursts), and each
officer read once a second on average, to read the latency at a given rate below saturation.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PLAN_ENV = "LOAD_PLAN"
SECRET_KEY = "benchmark-only"  # noqa: S105 - the same key as bench/run.py: sessions made before the clock must verify
CAMPAIGN = "Benchmark"
FRAMEWORK = "vn.learning-citizen"
WORKERS = 4
WORKER_CLASS = "sync"
OFFICER_PASSWORD = "load-officer-password"  # noqa: S105 - a scratch database's benchmark accounts
CITIZEN_PASSWORD = "load-citizen-password"  # noqa: S105
SUBMIT = "submit"
PAGE = "assessment page"
DASHBOARD = "dashboard"
DRILL = "dashboard drill-down"
FIGURES = "api figures"
KINDS = (SUBMIT, PAGE, DASHBOARD, DRILL, FIGURES)
SUBMIT_PATH = "web form: POST /assessments/<pk>/ with action=submit and the CSRF token, as the page does"
BATCH_PATH = (
    "the intake in batches: POST /api/submissions with %d submissions of one commune, by its officer's "
    "token (202 and a receipt each), applied by one worker on the intake queue"
)
INTAKE_PATH = (
    "the intake: POST /api/assessments/<pk>/submission with a bearer token (202 and a receipt), applied by "
    "one worker on the intake queue"
)
NOTE = "Sổ học tập, xác nhận của thôn"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --------------------------------------------------------------------------------------------------------
# Figures from raw samples and /proc (pure: tested without a server)


def proc_times(stat: str) -> int:
    """utime + stime + cutime + cstime (clock ticks) of one /proc/<pid>/stat line; the children's part holds
    the time of the processes this one has reaped (a gunicorn worker restarted, a closed database backend)."""
    fields = stat[stat.rindex(")") + 2 :].split()
    return sum(int(value) for value in fields[11:15])  # fields 14-17 of proc(5), after pid, comm and state


def proc_parent(stat: str) -> int:
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def tree_ticks(stats: Mapping[int, str], root: int) -> int:
    """CPU ticks of a process and all its living descendants (each one's reaped children included)."""
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        children.setdefault(proc_parent(stat), []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += proc_times(stats[pid])
            todo.extend(children.get(pid, []))
    return total


def machine_ticks(proc_stat: str) -> tuple[int, int]:
    """(busy, all) ticks of every CPU from the first line of /proc/stat."""
    values = [int(v) for v in proc_stat.split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values[:8]) - idle, sum(values[:8])


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile of `values` (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(
    samples: Iterable[Mapping[str, Any]],
    *,
    window: tuple[float, float],
    cpu: Mapping[str, tuple[int, int]],
    ticks_per_second: int = 100,
    cores: int = 2,
    per_request: int = 1,
) -> dict[str, Any]:
    """The result of a run from locust's raw samples and the CPU readings at both ends of the window.

    A sample: `start` (epoch seconds), `name` (one of KINDS, or login…), `ms`, `ok` (bool). Throughput and
    latency count the samples that started in the window; errors count every failed request of the run.
    `cpu` maps "locust", "gunicorn", "postgres" and "machine" (busy ticks) to (before, after) readings.
    `per_request`: the submissions each accepted submit request carries (a batch through the intake).
    """
    start, end = window
    seconds = end - start
    rows = list(samples)
    inside = [s for s in rows if start <= s["start"] < end]

    def latency(kind: str | None) -> dict[str, Any]:
        times = [s["ms"] for s in inside if kind is None or s["name"] == kind]
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        return {"requests": len(times), "p50_ms": p50, "p95_ms": p95}

    submitted = per_request * sum(1 for s in inside if s["name"] == SUBMIT and s["ok"])
    spent = {name: (after - before) / ticks_per_second for name, (before, after) in cpu.items()}
    busy = spent.pop("machine", None)
    if busy is not None:
        spent["other"] = max(0.0, busy - sum(spent.values()))
    errors: dict[str, int] = {}
    for sample in rows:
        if not sample["ok"]:
            errors[sample["name"]] = errors.get(sample["name"], 0) + 1
    return {
        "seconds": seconds,
        "requests": len(inside),
        "requests_per_s": len(inside) / seconds,
        "submissions": submitted,
        "submissions_per_s": submitted / seconds,
        "submissions_ok_in_run": per_request * sum(1 for s in rows if s["name"] == SUBMIT and s["ok"]),
        "latency": {"all": latency(None), **{kind: latency(kind) for kind in KINDS}},
        "errors": sum(errors.values()),
        "errors_by_kind": errors,
        "cpu_seconds": spent,
        "cpu_share_of_machine": {name: value / (seconds * cores) for name, value in spent.items()},
    }


def read_samples(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as file:
        return [
            {"start": float(r["start"]), "name": r["name"], "ms": float(r["ms"]), "ok": r["ok"] == "1"}
            for r in csv.DictReader(file)
        ]


def markdown(result: Mapping[str, Any]) -> str:
    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:,.0f}"

    pace = (
        f", citizens arriving at random at {result['rate']:g} submissions/s and officers at 1 read/s each"
        if result.get("rate")
        else ""
    )
    batch = result.get("batch", 1)
    batches = f" in batches of {batch} (partner systems, one request each)" if batch > 1 else ""
    lines = [
        f"## Load: {result['users']} users ({result['citizens']} citizens, {result['officers']} officers), "
        f"{result['seconds']:.0f} s, gunicorn {result['workers']} {result['worker_class']} workers{pace}"
        f"{', through the intake' if result.get('intake') else ''}{batches}\n",
        "| figure | value |",
        "| --- | ---: |",
        f"| requests/s | {result['requests_per_s']:,.1f} |",
        f"| self-assessment submissions/s | {result['submissions_per_s']:,.1f} |",
        f"| errors (whole run) | {result['errors']:,} |",
    ]
    for kind, figures in result["latency"].items():
        lines.append(
            f"| {kind}: requests, p50 / p95 (ms) | {figures['requests']:,}, "
            f"{ms(figures['p50_ms'])} / {ms(figures['p95_ms'])} |"
        )
    for name, seconds in result["cpu_seconds"].items():
        share = result["cpu_share_of_machine"][name]
        lines.append(f"| CPU {name} (s, share of 2 cores) | {seconds:,.1f} ({100 * share:.0f} %) |")
    check = result["cross_check"]
    verdict = "matches" if check["matches"] else "DOES NOT MATCH"
    intake = result.get("intake")
    if intake:
        lag = " / ".join(
            f"{intake[f'lag_{p}_s']:.2f}" if intake[f"lag_{p}_s"] is not None else "–"
            for p in ("p50", "p95", "max")
        )
        lines += [
            f"| receipts: received / applied / refused | {intake['received']:,} / {intake['applied']:,} / "
            f"{intake['refused']:,} |",
            f"| receipt to applied: p50 / p95 / max (s) | {lag} |",
            f"| the worker's catching up after the clients stopped (s) | {intake['drain_seconds']:.1f} |",
            # "matches": every 202 has its receipt (give or take those in flight at the stop), every receipt
            # was applied or refused, and the submitted count grew by the applied ones.
            f"| submitted in the database: grew by / receipts applied / 202s answered | "
            f"{check['grew_by']:,} / {intake['applied']:,} / {check['accepted']:,} ({verdict}) |",
        ]
    else:
        lines.append(
            # "matches": equal, give or take the submissions in flight when locust stopped.
            f"| submitted in the database: grew by / accepted by the server | {check['grew_by']:,} / "
            f"{check['accepted']:,} ({verdict}) |"
        )
    lines += [
        "",
        f"Submissions: {result['submit_path']}. Errors: {result['errors_by_kind'] or 'none'}. "
        f"Accounts: {result['pool']['drafts']:,} drafts and {result['pool']['returned']:,} set back to "
        f"returned{'; the pool ran out' if result['pool_exhausted'] else ''}.",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------
# Before the clock (run in a process of its own, with Django)


def prepare(*, accounts: int, officers: int) -> dict[str, Any]:
    """Citizen accounts already signed in (a session, and an API token for the intake), each with a draft of
    the campaign to submit; officer accounts."""
    import django

    django.setup()
    import datetime as dt
    import secrets

    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction
    from django.utils import timezone

    from learningcity.accounts.models import ApiToken, Role, RoleAssignment, User
    from learningcity.recognition.models import Assessment, Campaign, Status
    from learningcity.territory.models import Level, Unit

    campaign = Campaign.objects.filter(name=CAMPAIGN).select_related("territory").latest("pk")
    version = campaign.frameworks.get(code=FRAMEWORK)
    free = Assessment.objects.filter(
        campaign=campaign, framework_version=version, person__user__isnull=True, person__merged_into=None
    )
    with transaction.atomic():
        pool = list(
            free.filter(status=Status.DRAFT)
            .order_by("pk")
            .values_list("pk", "person_id", "unit_id")[:accounts]
        )
        drafts = len(pool)
        if drafts < accounts:
            more = list(
                free.filter(status=Status.SUBMITTED)
                .order_by("pk")
                .values_list("pk", "person_id", "unit_id")[: accounts - drafts]
            )
            Assessment.objects.filter(pk__in=[pk for pk, _p, _u in more]).update(
                status=Status.RETURNED, review_stage="", submitted_at=None
            )
            pool += more
        pool = pool[:accounts]
        password = make_password(CITIZEN_PASSWORD)  # one hash for all: hashing each would take hours
        users = User.objects.bulk_create(
            [User(username=f"load-citizen-{person}", password=password) for _a, person, _u in pool],
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE recognition_person SET user_id = linked.user_id FROM unnest(%s::bigint[], "
                "%s::bigint[]) AS linked(person_id, user_id) WHERE recognition_person.id = linked.person_id",
                [[person for _a, person, _u in pool], [user.pk for user in users]],
            )
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=user, role=Role.CITIZEN, unit_id=unit)
                for user, (_a, _p, unit) in zip(users, pool, strict=True)
            ],
            batch_size=5000,
        )
        # What django.contrib.auth.login() keeps in the session; the hash is the same for every account
        # since they share one password hash.
        auth_hash = users[0].get_session_auth_hash() if users else ""
        store = SessionStore()
        expires = timezone.now() + dt.timedelta(hours=8)
        sessions = [
            Session(
                session_key=secrets.token_hex(16),
                session_data=store.encode(
                    {
                        "_auth_user_id": str(user.pk),
                        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                        "_auth_user_hash": auth_hash,
                    }
                ),
                expire_date=expires,
            )
            for user in users
        ]
        Session.objects.bulk_create(sessions, batch_size=5000)
        keys = [ApiToken.new_key() for _user in users]
        ApiToken.objects.bulk_create(
            [
                ApiToken(user=user, name="load", key_hash=ApiToken.hash_key(key), prefix=key[3:11])
                for user, key in zip(users, keys, strict=True)
            ],
            batch_size=5000,
        )
        groups = dict(Assessment.objects.filter(pk__in=[a for a, _p, _u in pool]).values_list("pk", "group"))

        # Officers: the province's coordinator, then commune officers of the communes with most people.
        province = campaign.territory
        communes = list(
            Unit.objects.filter(parent=province, level=Level.COMMUNE)
            .filter(pk__in=Assessment.objects.filter(campaign=campaign).values("unit__parent_id"))
            .order_by("code")[: max(1, officers - 1)]
        )
        hashed = make_password(OFFICER_PASSWORD)
        officer_rows = []
        for index in range(officers):
            unit = province if index == 0 else communes[(index - 1) % len(communes)]
            role = Role.PROVINCE_COORDINATOR if index == 0 else Role.COMMUNE_OFFICER
            user, _created = User.objects.update_or_create(
                username=f"load-officer-{index}", defaults={"password": hashed}
            )
            RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
            drill = list(Unit.objects.filter(parent=unit).order_by("pk").values_list("pk", flat=True)[:50])
            officer_rows.append({"username": user.username, "unit": unit.pk, "drill": drill})
    # Partners: one account per commune of the pool, a commune officer there with an API token, sending its
    # citizens' submissions in batches through the intake (`--batch`).
    units = dict(Unit.objects.filter(pk__in={unit for _a, _p, unit in pool}).values_list("pk", "parent_id"))
    partners: dict[int, str] = {}
    for commune in sorted(set(units.values())):
        partner, _created = User.objects.get_or_create(username=f"load-partner-{commune}")
        RoleAssignment.objects.get_or_create(user=partner, role=Role.COMMUNE_OFFICER, unit_id=commune)
        partners[commune] = ApiToken.new_key()
        ApiToken.objects.create(
            user=partner,
            name="load",
            key_hash=ApiToken.hash_key(partners[commune]),
            prefix=partners[commune][3:11],
        )
    by_commune: dict[int, list[list[Any]]] = {}
    for pk, _person, unit in pool:
        by_commune.setdefault(units[unit], []).append([pk, groups[pk] or "g1"])
    # Statistics for what was just written in bulk (accounts, roles, tokens, sessions; the benchmark's hamlets
    # before them), as autovacuum would have them on a server in use: without them PostgreSQL read every
    # request's roles by scanning all the units (12 ms a request instead of 0.1).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "citizens": [
            [s.session_key, pk, groups[pk] or "g1", key]
            for s, key, (pk, _p, _u) in zip(sessions, keys, pool, strict=True)
        ],
        "officers": officer_rows,
        "partners": [[partners[commune], drafts] for commune, drafts in by_commune.items()],
        "drafts": drafts,
        "returned": len(pool) - drafts,
        "campaign": campaign.pk,
    }


def submitted_count(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM recognition_assessment a "
            "JOIN recognition_campaign c ON c.id = a.campaign_id WHERE c.name = %s "
            "AND a.submitted_at IS NOT NULL AND a.status NOT IN ('draft', 'returned')",
            [CAMPAIGN],
        ).fetchone()
    return int(row[0]) if row else 0


def receipts_since(database_url: str, after: int) -> dict[str, Any]:
    """The intake's receipts with ids above `after`: how many in each state, and the seconds from receipt to
    application (p50, p95, max) of those applied or refused."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'pending'), "
            "count(*) FILTER (WHERE state = 'applied'), count(*) FILTER (WHERE state = 'refused'), "
            "percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM applied_at - received_at)), "
            "percentile_disc(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM applied_at - received_at)), "
            "max(extract(epoch FROM applied_at - received_at)), coalesce(max(id), %s) "
            "FROM recognition_submissionreceipt WHERE id > %s",
            [after, after],
        ).fetchone()
    assert row is not None
    names = ("received", "pending", "applied", "refused", "lag_p50_s", "lag_p95_s", "lag_max_s", "last_id")
    return {
        name: float(value) if name.startswith("lag") and value is not None else value
        for name, value in zip(names, row, strict=True)
    }


def postmaster_pid(database_url: str) -> int:
    """The PostgreSQL server's main process (on this machine: the benchmark runs on loopback)."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        row = connection.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        # Read while the connection is open: its backend process ends with it.
        return proc_parent(Path(f"/proc/{row[0]}/stat").read_text())


def read_proc() -> dict[int, str]:
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stats[int(entry.name)] = (entry / "stat").read_text()
    return stats


def cpu_reading(roots: Mapping[str, int]) -> dict[str, int]:
    stats = read_proc()
    reading = {name: tree_ticks(stats, pid) for name, pid in roots.items()}
    reading["machine"] = machine_ticks(Path("/proc/stat").read_text())[0]
    return reading


# --------------------------------------------------------------------------------------------------------
# The run


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[Any] | None) -> None:
    """Stop a process group we started: TERM, then KILL after a while."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for(path: Path, process: subprocess.Popen[Any], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists():
            return True
        time.sleep(0.02)
    return path.exists()


def accounts_for(*, seconds: int, rate: float | None, intake: bool, batch: int) -> int:
    """Citizens with a draft for a run, so that they do not run out (the report says when they did): twice
    the rate asked for, or flat out several times what each path has taken on two cores (the web form about
    30 submissions/s, the intake one request each about 130, in batches about 1,800); each account costs
    about half a millisecond to prepare, so they are not made by the hundred thousand for nothing."""
    if rate is not None:
        per_second = 2 * rate
    elif batch > 1:
        per_second = 2000
    elif intake:
        per_second = 600
    else:
        per_second = 150
    return round(per_second * seconds) + 1000


def run_load(
    database_url: str,
    *,
    seconds: int = 60,
    users: int = 44,
    data_dir: Path,
    workers: int = WORKERS,
    worker_class: str = WORKER_CLASS,
    accounts: int | None = None,
    rate: float | None = None,
    intake: bool = False,
    batch: int = 1,
) -> dict[str, Any]:
    """Prepare accounts, serve with gunicorn, drive it with locust for `seconds` after every user signed in,
    stop everything, and return the figures (see `summarise`) with the database cross-check.

    `users` simulated users, one officer for every ten citizens; `accounts` citizen accounts (default:
    `accounts_for`); `rate`: the citizens' submissions/s in all (None: as fast as
    served); `intake`: the citizens send through the API's intake, and one worker on the intake queue
    applies the receipts (its CPU counted; after the window, the time it takes to apply what is still
    waiting); `batch` above 1: through the intake too, but each simulated user is a partner system (a
    commune's officer with a token) sending its commune's submissions `batch` at a time in one request
    (`POST /api/submissions`). Changes the database: new accounts, sessions, tokens and submitted
    assessments."""
    data_dir.mkdir(parents=True, exist_ok=True)
    intake = intake or batch > 1
    officers = max(1, round(users / 11))
    accounts = accounts or accounts_for(seconds=seconds, rate=rate, intake=intake, batch=batch)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learningcity.settings",
        "SECRET_KEY": SECRET_KEY,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
    }
    env.pop(PLAN_ENV, None)
    plan_path = data_dir / "plan.json"
    done = subprocess.run(  # noqa: S603 - this very script, with our own arguments
        [sys.executable, __file__, "--prepare", str(plan_path), "--accounts", str(accounts)]
        + ["--officers", str(officers)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"Preparing the load run failed:\n{done.stderr[-4000:]}")
    plan = json.loads(plan_path.read_text())
    plan.update(
        users=users,
        seconds=seconds,
        out=str(data_dir),
        officer_password=OFFICER_PASSWORD,
        rate=rate,
        intake=intake,
        batch=batch,
    )
    plan_path.write_text(json.dumps(plan))
    for name in ("window-start", "window-end", "samples.csv", "locust.json"):
        (data_dir / name).unlink(missing_ok=True)

    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    server = generator = worker = None
    drain_seconds = None
    gunicorn_log = (data_dir / "gunicorn.log").open("w")
    locust_log = (data_dir / "locust.log").open("w")
    try:
        # As `learningcity serve` starts it, with an access log (to a file here) and more workers.
        server = subprocess.Popen(  # noqa: S603 - fixed argument list
            [sys.executable, "-m", "gunicorn", "learningcity.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(workers), "--worker-class", worker_class, "--no-control-socket"]
            + ["--access-logfile", "-", "--error-logfile", "-"],
            env=env,
            stdout=gunicorn_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{host}/accounts/login/", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"gunicorn did not answer; see {data_dir / 'gunicorn.log'}") from None
                time.sleep(0.2)
        before = submitted_count(database_url)
        receipts_before = receipts_since(database_url, 0)["last_id"]
        roots = {"gunicorn": server.pid, "postgres": postmaster_pid(database_url)}
        if intake:
            worker = subprocess.Popen(  # noqa: S603 - fixed argument list
                [
                    sys.executable,
                    "-m",
                    "learningcity.cli",
                    "worker",
                    "--queue",
                    "intake",
                    "--interval",
                    "0.2",
                ],
                env=env,
                stdout=gunicorn_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            roots["worker"] = worker.pid
        generator = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "locust", "-f", __file__, "--headless", "-u", str(users), "-r", str(users)]
            + ["--run-time", f"{seconds + 120}s", "--host", host, "--only-summary", "--loglevel", "WARNING"],
            env={**env, PLAN_ENV: str(plan_path)},
            stdout=locust_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        roots["locust"] = generator.pid
        if not _wait_for(data_dir / "window-start", generator, 120):
            raise RuntimeError(f"The simulated users did not all start; see {data_dir / 'locust.log'}")
        first = cpu_reading(roots)
        _wait_for(data_dir / "window-end", generator, seconds + 60)
        last = cpu_reading(roots)
        generator.wait(timeout=60)
        if intake:  # what the worker still has to apply when the clients stop
            _stop(server)  # gunicorn answers what is in flight first: no receipt arrives after this
            started = time.monotonic()
            while (
                receipts_since(database_url, receipts_before)["pending"] and worker and worker.poll() is None
            ):
                if time.monotonic() - started > 600:
                    raise RuntimeError(f"the intake worker did not catch up; see {data_dir / 'gunicorn.log'}")
                time.sleep(0.2)
            drain_seconds = time.monotonic() - started
        after = submitted_count(database_url)
    finally:
        _stop(generator)
        _stop(worker)
        _stop(server)
        gunicorn_log.close()
        locust_log.close()
    meta = json.loads((data_dir / "locust.json").read_text())
    result = summarise(
        read_samples(data_dir / "samples.csv"),
        window=(meta["start"], meta["end"]),
        cpu={name: (first[name], last[name]) for name in first},
        ticks_per_second=os.sysconf("SC_CLK_TCK"),
        cores=os.cpu_count() or 2,
        per_request=batch,
    )
    accepted = result["submissions_ok_in_run"]
    citizens = users - officers
    # A submission still on its way when locust stopped is stored but was never answered to it: at most one
    # request per citizen.
    check = {"before": before, "after": after, "grew_by": after - before, "accepted": accepted}
    if intake:
        receipts = receipts_since(database_url, receipts_before)
        result["intake"] = {**receipts, "drain_seconds": drain_seconds}
        check["matches"] = (
            accepted <= receipts["received"] <= accepted + citizens * batch
            and receipts["applied"] + receipts["refused"] == receipts["received"]
            and after - before == receipts["applied"]
        )
    else:
        check["matches"] = accepted <= after - before <= accepted + citizens
    result.update(
        users=users,
        citizens=citizens,
        officers=officers,
        rate=rate,
        workers=workers,
        worker_class=worker_class,
        submit_path=(BATCH_PATH % batch) if batch > 1 else INTAKE_PATH if intake else SUBMIT_PATH,
        batch=batch,
        pool={"drafts": plan["drafts"], "returned": plan["returned"], "accounts": len(plan["citizens"])},
        pool_exhausted=meta["exhausted"],
        cross_check=check,
    )
    return result


def make_database(server_url: str, name: str, people: int, folder: Path) -> str:
    """A fresh scratch database holding what bench/run.py's "ours" side leaves: the province with `people`
    people imported through the users' own path, the campaign, its figures built."""
    sys.path.insert(0, str(HERE))
    import province
    import run

    province.write(province.generate(people, 2026), folder)
    url = run.fresh_postgres(server_url, name)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learningcity.settings",
        "SECRET_KEY": SECRET_KEY,
        "DEBUG": "false",
        "DATABASE_URL": url,
        "DATA_DIR": str(folder / "db"),
    }
    subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, "--import-into", str(folder)], env=env, check=True
    )
    return url


def import_into(folder: Path) -> None:
    """What bench/run.py's `import_ours` does, less its rebuild and read timings: then the figures, built."""
    sys.path.insert(0, str(HERE))
    import run

    officer, campaign = run.setup(folder / "hamlets.csv")
    from learningcity.analytics.services import figures_rebuild

    job = run.import_file(officer, campaign, folder / "citizens.csv")
    assert job.state == "done", job.message
    figures_rebuild(campaign)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=44)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--worker-class", default=WORKER_CLASS)
    parser.add_argument(
        "--rate",
        type=float,
        help="citizens arriving at random at this many submissions/s (default: flat out)",
    )
    parser.add_argument(
        "--intake",
        action="store_true",
        help="citizens send through the API's intake (202 and a receipt), applied by a worker",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=1,
        help="with more than 1: partner systems send this many submissions per request through the intake",
    )
    parser.add_argument("--people", type=int, help="first make a scratch database with this many people")
    parser.add_argument("--scratch-db", default="learningcity_load_try")
    parser.add_argument(
        "--data-dir", type=Path, help="where the logs, plan and samples go (default: temporary)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON as well")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--accounts", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--officers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--import-into", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if not 1 <= options.batch <= 500:
        parser.error("--batch is a number of submissions per request from 1 to 500")
    if options.rate is not None and options.rate <= 0:
        parser.error("--rate is a number of submissions/s above 0 (leave it out to run flat out)")
    if options.prepare:
        options.prepare.write_text(json.dumps(prepare(accounts=options.accounts, officers=options.officers)))
        return
    if options.import_into:
        import django

        django.setup()
        import_into(options.import_into)
        return
    if not options.database_url or not options.database_url.startswith("postgres"):
        parser.error("--database-url postgres://… (or DATABASE_URL) is needed")
    with tempfile.TemporaryDirectory() as scratch:
        url = options.database_url
        if options.people:
            started = time.perf_counter()
            url = make_database(url, options.scratch_db, options.people, Path(scratch))
            spent = time.perf_counter() - started
            print(f"Made {options.scratch_db} with {options.people:,} people in {spent:.0f} s\n")
        result = run_load(
            url,
            seconds=options.seconds,
            users=options.users,
            data_dir=options.data_dir or Path(scratch) / "load",
            workers=options.workers,
            worker_class=options.worker_class,
            rate=options.rate,
            intake=options.intake,
            batch=options.batch,
        )
    print(markdown(result))
    if options.json:
        print(json.dumps(result, indent=2))


# --------------------------------------------------------------------------------------------------------
# The locustfile (imported by locust, with LOAD_PLAN set)


def arriving(rate: float) -> Callable[[Any], float]:
    """A locust wait time: a user's tasks start at random, `rate` times a second on average. The starts are a
    Poisson process (exponential gaps from one start to the next, not from the end of a task, so the time the
    server takes does not slow the rate asked); a user behind its schedule (a slow answer) starts at once,
    without a burst to catch up."""

    def wait(user: Any) -> float:
        now = time.monotonic()
        start = max(getattr(user, "next_start", now) + random.expovariate(rate), now)
        user.next_start = start
        return start - now

    return wait


def partner_batches(partners: list[list[Any]], size: int) -> list[tuple[str, list[Any]]]:
    """(token, drafts) of `size` drafts of one commune each, taken from the communes in turn (so that
    requests sent together concern different communes); a commune's last batch is full or left out."""
    queues = [
        (key, [drafts[i : i + size] for i in range(0, len(drafts) - size + 1, size)])
        for key, drafts in partners
    ]
    out: list[tuple[str, list[Any]]] = []
    for turn in range(max((len(chunks) for _key, chunks in queues), default=0)):
        out += [(key, chunks[turn]) for key, chunks in queues if turn < len(chunks)]
    return out


def user_classes(plan: Mapping[str, Any]) -> tuple[type, type]:
    """Locust's users for `plan`; records every request, and ends the run `seconds` after all signed in."""
    import http.cookiejar
    from urllib.parse import urlencode

    import gevent
    from locust import FastHttpUser, between, events, task
    from locust.exception import StopUser

    out = Path(plan["out"])
    samples: list[tuple[float, str, float, int]] = []
    state: dict[str, Any] = {"ready": 0, "start": None, "end": None, "exhausted": False}
    citizens = iter(plan["citizens"])
    batches = iter(partner_batches(plan.get("partners", []), plan.get("batch", 1)))
    form = "application/x-www-form-urlencoded"

    @events.request.add_listener
    def record(name: str, response_time: float, exception: Any, start_time: float = 0.0, **_: Any) -> None:
        samples.append((start_time, name, response_time, int(exception is None)))

    @events.quitting.add_listener
    def write(**_: Any) -> None:
        state["end"] = state["end"] or time.time()
        with (out / "samples.csv").open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["start", "name", "ms", "ok"])
            writer.writerows(samples)
        (out / "locust.json").write_text(json.dumps({k: state[k] for k in ("start", "end", "exhausted")}))

    def ready(environment: Any) -> None:
        state["ready"] += 1
        if state["ready"] == plan["users"]:
            state["start"] = time.time()
            (out / "window-start").touch()
            gevent.spawn(finish, environment)

    def finish(environment: Any) -> None:
        gevent.sleep(plan["seconds"])
        state["end"] = time.time()
        (out / "window-end").touch()
        environment.runner.quit()

    def cookie(name: str, value: str) -> http.cookiejar.Cookie:
        return http.cookiejar.Cookie(
            0,
            name,
            value,
            None,
            False,
            "127.0.0.1",
            False,
            False,
            "/",
            True,
            False,
            None,
            True,
            None,
            None,
            {},
        )

    def marks(pk: int) -> dict[str, int]:
        values = {f"i{a}_{b}": 4 + (pk * 7 + 3 * a + b) % 7 for a in (1, 2, 3) for b in (1, 2, 3, 4)}
        del values["i3_3"], values["i3_4"]  # the framework has ten indicators: i1_1…i2_4, i3_1, i3_2
        return values

    def answers(pk: int, group: str, token: str) -> str:
        values = marks(pk)
        notes = {f"note__{code}": NOTE for code in values}
        return urlencode(
            {"csrfmiddlewaretoken": token, "group": group, "action": "submit", **values, **notes}
        )

    def submission(pk: int, group: str) -> str:
        values = marks(pk)
        return json.dumps({"answers": values, "group": group, "notes": dict.fromkeys(values, NOTE)})

    class Citizen(FastHttpUser):
        """One browser that submits one citizen's self-assessment after another, each in its own session."""

        weight = 10
        wait_time = between(0.0, 0.05)

        def on_start(self) -> None:
            ready(self.environment)

        @task
        def submit(self) -> None:
            if plan.get("batch", 1) > 1:
                self.send_batch()
                return
            try:
                session, pk, group, key = next(citizens)
            except StopIteration:
                state["exhausted"] = True
                raise StopUser() from None
            if plan.get("intake"):
                self.to_intake(f"/api/assessments/{pk}/submission", submission(pk, group), key)
                return
            self.client.cookiejar.clear()
            self.client.cookiejar.set_cookie(cookie("sessionid", session))
            url = f"/assessments/{pk}/"
            with self.client.get(url, name=PAGE, catch_response=True) as page:
                found = TOKEN.search(page.text or "")
                if page.status_code != 200 or not found:
                    page.failure(f"no form: {page.status_code}")
                    return
            with self.client.post(
                url,
                data=answers(pk, group, found.group(1)),
                headers={"Content-Type": form},
                name=SUBMIT,
                allow_redirects=False,
                catch_response=True,
            ) as sent:
                if sent.status_code != 302 or not sent.headers.get("Location", "").endswith(url):
                    sent.failure(f"not accepted: {sent.status_code}")
                    return
            self.client.get(url, name=PAGE)  # where the browser is sent back, with "Submitted."

        def send_batch(self) -> None:
            try:
                key, drafts = next(batches)
            except StopIteration:
                state["exhausted"] = True
                raise StopUser() from None
            items = [json.loads(submission(pk, group)) | {"assessment_id": pk} for pk, group in drafts]
            self.to_intake("/api/submissions", json.dumps({"items": items}), key)

        def to_intake(self, path: str, body: str, key: str) -> None:
            """POST `body` to the intake with the token `key`; anything but 202 is a failure."""
            with self.client.post(
                path,
                data=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                name=SUBMIT,
                catch_response=True,
            ) as sent:
                if sent.status_code != 202:
                    sent.failure(f"not received: {sent.status_code}")

    class Officer(FastHttpUser):
        """An officer signed in through the login form, reading the dashboard, a drill-down and the API."""

        fixed_count = max(1, round(plan["users"] / 11))
        wait_time = between(0.0, 0.05)

        def on_start(self) -> None:
            index = getattr(self.environment, "officer_index", 0)
            self.environment.officer_index = index + 1
            self.me = plan["officers"][index % len(plan["officers"])]
            self.random = random.Random(index)
            page = self.client.get("/accounts/login/", name="login page")
            found = TOKEN.search(page.text or "")
            body = {"username": self.me["username"], "password": plan["officer_password"]}
            with self.client.post(
                "/accounts/login/",
                data=urlencode({**body, "csrfmiddlewaretoken": found.group(1) if found else ""}),
                headers={"Content-Type": form},
                name="login",
                allow_redirects=False,
                catch_response=True,
            ) as answer:
                if answer.status_code != 302:
                    answer.failure(f"login refused: {answer.status_code}")
                    raise StopUser()
            ready(self.environment)

        @task(2)
        def dashboard(self) -> None:
            self.client.get("/officer/dashboard/", name=DASHBOARD)

        @task(2)
        def drill_down(self) -> None:
            if self.me["drill"]:
                unit = self.random.choice(self.me["drill"])
                self.client.get(f"/officer/dashboard/?unit={unit}", name=DRILL)

        @task(1)
        def figures(self) -> None:
            self.client.get(f"/api/figures?unit_id={self.me['unit']}", name=FIGURES)

    Citizen.fixed_count = plan["users"] - Officer.fixed_count
    if plan.get("rate"):
        # In batches, a request carries `batch` submissions: the requests arrive that much less often.
        per_request = plan.get("batch", 1)
        Citizen.wait_time = arriving(plan["rate"] / per_request / max(1, Citizen.fixed_count))
        Officer.wait_time = arriving(1.0)
    return Citizen, Officer


if os.environ.get(PLAN_ENV) and __name__ != "__main__":
    CitizenUser, OfficerUser = user_classes(json.loads(Path(os.environ[PLAN_ENV]).read_text()))

if __name__ == "__main__":
    main()
