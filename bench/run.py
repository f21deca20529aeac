"""The benchmark: a province's campaign at size, ours against the peer and the floor, in one run on one file.

    make bench                                     # 1 million people, SQLite in a temporary folder
    DATABASE_URL=postgres://… make bench           # the same on PostgreSQL (its own scratch databases)
    .venv/bin/python bench/run.py --people 200000  # any size

Each step runs in its own process, so that its peak memory is its own; ours is set up, imported, rebuilt
and loaded in turn in one database, the peer and the floor each in a fresh one:
- import, ours: the learning-citizen register (people, ten answers, evidence notes) through the users' own
  path — the same job, checks and error file as the import page — then stored: people and scored, submitted
  self-assessments;
- import, the peer: django-import-export 4 in its fastest documented configuration (bulk mode, instances not
  looked up, no diff), importing the same rows as people only (no answers, no scoring: less work than ours),
  on a slice of at most 100,000 rows when the file is larger (its rate is per row either way);
- import, the floor: the file loaded with no validation at all — PostgreSQL's bare COPY into a table of text
  columns, or on SQLite a bare executemany of the parsed rows.

- rebuild: the campaign's figures for every unit (ours) against an ORM loop that loads, scores and saves
  each assessment (timed on a slice, extrapolated) and a bare Polars group-by already in memory (the floor);
- re-scoring: a new version of the framework put in the campaign, every open assessment scored again;
- reads: the rates by commune for the province, through the selector, the officer's page and the API
  (p50/p95 and their queries), against an ORM aggregate over the raw rows;
- load (with DATABASE_URL only: gunicorn and PostgreSQL, the production setup): `bench/load.py`, citizens
  submitting while officers read dashboards, driven by locust: flat out (the rate the server takes), then
  with the citizens arriving at random at 70 % of that rate (the latency below saturation), then flat out
  through the API's intake (202 and a receipt; a worker applies the receipts in batches), and through the
  intake in requests of 50 submissions each (partner systems: a commune's officer sending its citizens'),
  flat out and then arriving at random at the goal's 300 submissions/s. A run flat out measures its rate
  over half the window (`--load-seconds`, 60 by default): it settles within seconds; the paced runs, which
  read the latency, take the whole window.

Prints markdown tables: each figure for ours, the peer and the floor, and the ratios.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER_SLICE = 100_000
BELOW_SATURATION = 0.7  # the share of the flat-out submission rate at which the latency is read again
BATCH = 50  # submissions per request when partner systems send them through the intake
GOAL_RATE = 300  # submissions/s: issue 6's goal, at which the batches are sent again, at random


# --------------------------------------------------------------------------------------------------------
# A fresh database with the province


def setup(hamlets_csv: Path) -> tuple[Any, Any]:
    """Migrate, load the official territory, the frameworks, the province's hamlets (set-based), a commune
    officer for the whole province and an open campaign; returns (officer, campaign)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    import polars as pl
    from django.db import transaction
    from django.utils import timezone

    from learningcity import bulk
    from learningcity.accounts.models import Role, RoleAssignment, User
    from learningcity.frameworks.services import frameworks_seed
    from learningcity.recognition import services
    from learningcity.territory.models import Era, Level, Unit
    from learningcity.territory.services import territory_load_official
    from learningcity.text import fold_expr

    territory_load_official()
    province = Unit.objects.get(era=Era.CURRENT, level=Level.PROVINCE, code="14")
    communes = bulk.read_frame(
        Unit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, parent=province).values_list(
            "pk", "code", "path"
        ),
        {"parent_id": pl.Int64, "commune": pl.String, "parent_path": pl.String},
    )
    hamlets = pl.read_csv(hamlets_csv, infer_schema=False).join(communes, on="commune")
    now = bulk.now_text(timezone.now())
    with transaction.atomic():
        hamlets = hamlets.with_columns(bulk.next_ids(Unit, hamlets.height))
        values = {
            "id": pl.col("id"),
            "era": pl.lit(Era.CURRENT.value),
            "level": pl.lit(Level.HAMLET.value),
            "code": pl.col("code"),
            "name": pl.col("name"),
            "name_folded": fold_expr(pl.col("name")),
            "division_type": pl.lit("tổ dân phố"),
            "parent_id": pl.col("parent_id"),
            "path": pl.format("{}{}/", pl.col("parent_path"), pl.col("id")),
            "source": pl.lit("benchmark"),
        }
        bulk.insert(Unit, hamlets.select(bulk.table_columns(Unit, values, now=now)))
    coordinator = User.objects.create_user(username="bench-province", password="x")  # noqa: S106
    RoleAssignment.objects.create(user=coordinator, role=Role.PROVINCE_COORDINATOR, unit=province)
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=coordinator,
        name="Benchmark",
        year=today.year,
        territory=province,
        frameworks=[v for v in frameworks_seed() if v.code == "vn.learning-citizen"],
        opens_on=today - dt.timedelta(days=1),
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )
    return coordinator, campaign


# --------------------------------------------------------------------------------------------------------
# The sides


def _prepared() -> tuple[Any, Any]:
    """The officer and campaign that `setup` made, in a process of its own (its memory is not the side's)."""
    import django

    django.setup()
    from learningcity.accounts.models import User
    from learningcity.recognition.models import Campaign

    return User.objects.get(username="bench-province"), Campaign.objects.get(name="Benchmark")


def import_file(officer: Any, campaign: Any, path: Path) -> Any:
    """`path` through the users' own path: the import job's dry run, then stored; the finished job."""
    from learningcity.recognition.imports import jobs

    with path.open("rb") as upload:
        job = jobs.import_start(
            actor=officer,
            campaign=campaign,
            version=campaign.frameworks.get(),
            upload=upload,
            original_name=path.name,
            consent_confirmed=True,
            max_bytes=None,
            queue=False,
        )
    job = jobs.run_check(str(job.pk))
    assert job.state == "checked" and not job.errors_total, (job.message, job.errors_preview[:3])
    jobs.import_commit(actor=officer, job=job, queue=False)
    return jobs.run_store(str(job.pk))


def import_ours(folder: Path) -> dict[str, Any]:
    officer, campaign = _prepared()
    from learningcity.recognition.models import Assessment

    started = time.perf_counter()
    job = import_file(officer, campaign, folder / "citizens.csv")
    seconds = time.perf_counter() - started
    assert job.state == "done", job.message
    return {"rows": Assessment.objects.count(), "seconds": seconds}


ORM_SLICE = 2_000


def rebuild_and_reads(*, rescore: bool = True) -> dict[str, Any]:
    """On the imported campaign: the rebuild (ours, an ORM loop that scores and saves each assessment, a
    bare Polars group-by) and the rates-by-commune read (ours from the aggregate table, an ORM aggregate
    over the raw rows)."""
    user, campaign = _prepared()
    import polars as pl
    from django.db.models import Count, Q

    from learningcity import bulk
    from learningcity.analytics.services import figures_rebuild
    from learningcity.recognition.models import Assessment, Person, Status
    from learningcity.recognition.services.assessments import _store_result

    assessments = Assessment.objects.filter(campaign=campaign)
    total = assessments.count()
    started = time.perf_counter()
    figures_rebuild(campaign)
    rebuild = time.perf_counter() - started

    # The ORM loop on a slice: each assessment loaded, scored by the same engine and saved.
    started = time.perf_counter()
    for assessment in assessments.select_related("framework_version", "unit", "person").order_by("pk")[
        :ORM_SLICE
    ]:
        _store_result(assessment)
        assessment.save(update_fields=["result", "level", "score", "rollups"])
    orm_loop = (time.perf_counter() - started) * total / ORM_SLICE

    # The floor: the same columns already in memory, counted per unit on each path by Polars alone.
    frame = bulk.read_frame(
        assessments.values_list("unit__path", "status"), {"path": pl.String, "status": pl.String}
    )
    started = time.perf_counter()
    frame.with_columns(pl.col("path").str.strip_chars("/").str.split("/").alias("unit")).explode(
        "unit"
    ).group_by("unit").agg(pl.len(), (pl.col("status") == Status.RECOGNISED.value).sum())
    floor = time.perf_counter() - started

    territory = campaign.territory
    reads = _reads(user, campaign)

    def orm_read() -> None:
        list(
            assessments.values("unit__parent_id").annotate(
                total=Count("id"), recognised=Count("id", filter=Q(status=Status.RECOGNISED))
            )
        )
        list(
            Person.objects.filter(unit__path__startswith=territory.path)
            .values("unit__parent_id")
            .annotate(n=Count("id"))
        )

    peer_read = _percentiles(orm_read, times=5)["p50"]
    return {
        "rebuild_seconds": rebuild,
        "rebuild_orm_seconds": orm_loop,
        "rebuild_floor_seconds": floor,
        "read_orm_seconds": peer_read,
        **reads,
        **(_rescoring(user, campaign) if rescore else {}),
    }


READS = 60  # requests of each kind, for the percentiles


def _percentiles(action: Any, times: int = READS) -> dict[str, float]:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        spent.append(time.perf_counter() - started)
    spent.sort()
    return {"p50": spent[len(spent) // 2], "p95": spent[min(len(spent) - 1, round(0.95 * len(spent)))]}


def _reads(user: Any, campaign: Any) -> dict[str, Any]:
    """The rates by commune for the province: the selector alone, the officer's page and the API call, each
    through Django in this process (the page and the API with their middleware, sessions and templates), as
    p50/p95 over repeated requests, with the queries each costs."""
    from django.db import connection
    from django.test import Client

    from learningcity.analytics.selectors import dashboard_for

    territory = campaign.territory
    client = Client()
    client.force_login(user)
    page = f"/officer/dashboard/?campaign={campaign.pk}&unit={territory.pk}"
    api = f"/api/figures?campaign_id={campaign.pk}&unit_id={territory.pk}"
    for url in (page, api):
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
    found: dict[str, Any] = {}
    for name, action in (
        ("selector", lambda: dashboard_for(user, campaign_id=campaign.pk, unit_id=territory.pk)),
        ("page", lambda: client.get(page)),
        ("api", lambda: client.get(api)),
    ):
        queries: list[str] = []

        def counted(run: Any, sql: str, *args: Any, seen: list[str] = queries) -> Any:
            seen.append(sql)
            return run(sql, *args)

        # Counted as they run (a request clears Django's own query log when it starts).
        with connection.execute_wrapper(counted):
            action()
        figures = _percentiles(action)
        found[f"read_{name}"] = {**figures, "queries": len(queries)}
    found["read_seconds"] = found["read_selector"]["p50"]
    return found


def _rescoring(user: Any, campaign: Any) -> dict[str, Any]:
    """A new version of the learning-citizen framework (the pass mark lowered) put in the campaign: every
    open assessment re-scored (ours), against the engine alone over the same answers already in memory
    (the floor); the peer is the same ORM loop as the rebuild's (load, score, save each)."""
    import polars as pl

    from learningcity import bulk
    from learningcity.frameworks.selectors import framework_compiled
    from learningcity.frameworks.services import DATA_DIR, framework_version_load
    from learningcity.recognition.models import Assessment
    from learningcity.recognition.services.rescoring import campaign_framework_upgrade

    text = (DATA_DIR / "vn" / "learning-citizen.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2022.1"', 'version: "2099.1"').replace("ELSE 80 END", "ELSE 70 END")
    version, _created = framework_version_load(text=text, source="benchmark: a corrected version")
    framework = framework_compiled(version)
    types = {item["code"]: framework.schema[item["code"]] for item in version.inputs}
    answers = bulk.read_frame(
        Assessment.objects.filter(campaign=campaign).values_list("answers"), {"answers": pl.String}
    ).select(pl.col("answers").str.json_decode(pl.Struct(types)).struct.unnest())
    started = time.perf_counter()
    framework.evaluate(answers)
    floor = time.perf_counter() - started
    del answers
    started = time.perf_counter()
    counts = campaign_framework_upgrade(actor=user, campaign=campaign, version=version)
    return {
        "rescore_seconds": time.perf_counter() - started,
        "rescored": counts["rescored"],
        "rescore_floor_seconds": floor,
    }


def import_peer(folder: Path, limit: int) -> dict[str, Any]:
    setup(folder / "hamlets.csv")
    import tablib
    from django.utils import timezone
    from import_export import fields, resources, widgets

    from learningcity.recognition.models import Person
    from learningcity.territory.models import Level, Unit
    from learningcity.text import fold

    hamlet_ids = {
        (commune, name): pk
        for pk, commune, name in Unit.objects.filter(level=Level.HAMLET).values_list(
            "pk", "parent__code", "name"
        )
    }

    class PersonResource(resources.ModelResource):
        unit = fields.Field(attribute="unit_id", column_name="unit", widget=widgets.IntegerWidget())

        class Meta:
            model = Person
            fields = ("unit", "full_name", "name_folded", "sex", "birth_year", "ethnicity", "consent_at")
            # Its documented fastest path: bulk writes, no lookup of existing rows, no diff of each row.
            use_bulk = True
            batch_size = 1000
            force_init_instance = True
            skip_diff = True

    started = time.perf_counter()
    now = timezone.now()
    dataset = tablib.Dataset(
        headers=["unit", "full_name", "name_folded", "sex", "birth_year", "ethnicity", "consent_at"]
    )
    with (folder / "citizens.csv").open(encoding="utf-8") as file:
        reader = csv.reader(file)
        next(reader)
        for index, row in enumerate(reader):
            if index >= limit:
                break
            dataset.append(
                [
                    hamlet_ids[(row[0], row[1])],
                    row[2],
                    fold(row[2]),
                    "F" if row[4] == "Nữ" else "M",
                    int(row[3][-4:]),
                    row[5],
                    now,
                ]
            )
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    assert not result.has_errors()
    return {"rows": Person.objects.count(), "seconds": seconds}


def import_floor(folder: Path) -> dict[str, Any]:
    """The file into a table of text columns, nothing checked: the database's own speed."""
    import django

    django.setup()
    from django.db import connection

    path = folder / "citizens.csv"
    with path.open(encoding="utf-8") as file:
        header = next(csv.reader(file))
    columns = ", ".join(f"c{i} text" for i in range(len(header)))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE floor_import ({columns})")
        if connection.vendor == "postgresql":
            with (
                path.open("rb") as data,
                cursor.copy("COPY floor_import FROM STDIN WITH (FORMAT csv, HEADER)") as copy,
            ):
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
        else:
            marks = ", ".join(["%s"] * len(header))
            with path.open(encoding="utf-8") as file:
                reader = csv.reader(file)
                next(reader)
                batch: list[list[str]] = []
                for row in reader:
                    batch.append(row)
                    if len(batch) == 50_000:
                        cursor.executemany(f"INSERT INTO floor_import VALUES ({marks})", batch)  # noqa: S608
                        batch = []
                cursor.executemany(f"INSERT INTO floor_import VALUES ({marks})", batch)  # noqa: S608
        cursor.execute("SELECT count(*) FROM floor_import")
        rows = cursor.fetchone()[0]
    return {"rows": rows, "seconds": time.perf_counter() - started}


IMPORTED = 1_000_000  # the most people imported through the users' path; more are copies (`grow`)


def grow(people: int) -> dict[str, Any]:
    """The campaign grown to `people` by copies of the imported people (new ids, no ID card number, the same
    hamlets, names and answers) and of their assessments, made in SQL a round at a time. The import is
    measured on the file; a bigger campaign is what the rebuild, the re-scoring and the reads are for."""
    _user, campaign = _prepared()
    from django.db import connection, transaction
    from django.db.models import Max

    from learningcity.recognition.models import Assessment, Person

    base = Person.objects.count()
    last_person = Person.objects.aggregate(last=Max("id"))["last"]
    last_assessment = Assessment.objects.aggregate(last=Max("id"))["last"]
    started = time.perf_counter()
    rounds = max(0, -(-people // base) - 1)
    for round_ in range(1, rounds + 1):
        with transaction.atomic(), connection.cursor() as cursor:
            for model, changed, where in (
                (
                    Person,
                    {"id": f"id + {round_ * last_person}", "id_number_hash": "''", "user_id": "NULL"},
                    f"id <= {last_person}",
                ),
                (
                    Assessment,
                    {
                        "id": f"id + {round_ * last_assessment}",
                        "person_id": f"person_id + {round_ * last_person}",
                    },
                    f"id <= {last_assessment} AND campaign_id = {campaign.pk}",
                ),
            ):
                table = model._meta.db_table
                columns = [field.column for field in model._meta.concrete_fields]
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                values = ", ".join(changed.get(c, connection.ops.quote_name(c)) for c in columns)
                cursor.execute(f"INSERT INTO {table} ({names}) SELECT {values} FROM {table} WHERE {where}")  # noqa: S608
        print(f"grown: round {round_} of {rounds}", file=sys.stderr, flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Person, Assessment):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608
                    [table],
                )
    from learningcity import bulk

    bulk.analyse(Person, Assessment)  # as the import does after its load
    return {"people": Person.objects.count(), "seconds": time.perf_counter() - started}


def side(name: str, folder: Path, limit: int, people: int) -> None:
    if name == "setup":
        setup(folder / "hamlets.csv")
        result: dict[str, Any] = {}
    else:
        result = {
            "ours": lambda: import_ours(folder),
            # A grown campaign's re-scoring is the imported million's ten times over: measured on that.
            "rebuild": lambda: rebuild_and_reads(rescore=people <= IMPORTED),
            "grow": lambda: grow(people),
            "peer": lambda: import_peer(folder, limit),
            "floor": lambda: import_floor(folder),
        }[name]()
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


# --------------------------------------------------------------------------------------------------------
# The run


def fresh_postgres(url: str, name: str) -> str:
    """An empty scratch database `name` on the server of `url` (the database `url` names is never touched)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.rsplit("/", 1)[0] + "/" + name


# Which database each side works in: ours is set up, imported, rebuilt and loaded in turn, each step in a
# process of its own so that each peak memory is the step's own.
DATABASE = {
    "setup": "ours",
    "ours": "ours",
    "grow": "ours",
    "rebuild": "ours",
    "peer": "peer",
    "floor": "floor",
}


def database_url(name: str, *, fresh: bool) -> str | None:
    """The side's PostgreSQL database (made empty when `fresh`), or None on SQLite."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    scratch = f"learningcity_bench_{DATABASE[name]}"
    return fresh_postgres(url, scratch) if fresh else url.rsplit("/", 1)[0] + "/" + scratch


def progress(started: float, message: str) -> None:
    """A line on stderr as each step ends (a full run takes most of an hour): the time since the start."""
    # Whole seconds first: 419.6 s is 07:00, not 06:60.
    minutes, seconds = divmod(round(time.perf_counter() - started), 60)
    print(f"[{minutes:02d}:{seconds:02d}] {message}", file=sys.stderr, flush=True)


def run_side(name: str, folder: Path, limit: int, people: int) -> dict[str, Any]:
    env = {**os.environ, "DATA_DIR": str(folder / f"db-{DATABASE[name]}")}
    url = database_url(name, fresh=name in ("setup", "peer", "floor"))
    if url:
        env["DATABASE_URL"] = url
    done = subprocess.run(  # noqa: S603 - this very script, with our own arguments
        [
            *(sys.executable, __file__, "--side", name, "--folder", str(folder)),
            *("--limit", str(limit), "--people", str(people)),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"The {name} side failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--imported", type=int, default=IMPORTED, help="people imported through our path; the rest are copies"
    )
    parser.add_argument("--side", choices=tuple(DATABASE), help=argparse.SUPPRESS)
    parser.add_argument(
        "--load-seconds",
        type=int,
        default=60,
        help="the paced load runs' measured window (flat out: half of it)",
    )
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=PEER_SLICE, help=argparse.SUPPRESS)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ["DEBUG"] = "false"
    if options.side:
        side(options.side, options.folder, options.limit, options.people)
        return
    sys.path.insert(0, str(HERE))
    import province

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        imported = min(options.people, options.imported)
        province.write(province.generate(imported, options.seed), folder)
        generated = time.perf_counter() - started
        progress(started, f"generated {imported:,} people (CSV and XLSX)")
        limit = min(imported, PEER_SLICE)
        results = {}
        for name in ("setup", "ours", "grow", "rebuild", "peer", "floor"):
            if name != "grow" or options.people > imported:
                results[name] = run_side(name, folder, limit, options.people)
                progress(started, f"{name} done")
        loads = []
        if "DATABASE_URL" in os.environ:  # the production setup: gunicorn and PostgreSQL
            import load

            url = database_url("ours", fresh=False)
            assert url

            def measured(folder_name: str, **how: Any) -> dict[str, Any]:
                # A rate flat out settles within seconds: half the window measures it; the latency of
                # the paced runs takes the whole window.
                seconds = options.load_seconds if how.get("rate") else max(10, options.load_seconds // 2)
                result = load.run_load(url, seconds=seconds, data_dir=folder / folder_name, **how)
                progress(started, f"load, {folder_name}: {result['submissions_per_s']:.1f} submissions/s")
                return result

            loads.append(measured("load"))
            below = round(BELOW_SATURATION * loads[0]["submissions_per_s"], 1)
            if below > 0:
                loads.append(measured("paced", rate=below))
            loads.append(measured("intake", intake=True))
            loads.append(measured("batches", batch=BATCH))
            loads.append(measured("batches-paced", batch=BATCH, rate=GOAL_RATE))
        took = time.perf_counter() - started
    database = "PostgreSQL" if "DATABASE_URL" in os.environ else "SQLite"
    rate = {
        name: r["rows"] / r["seconds"] for name, r in results.items() if name in ("ours", "peer", "floor")
    }
    print(f"## Import of {imported:,} people on {database} (generated in {generated:.1f} s)\n")
    print("| figure | ours | peer | floor | ours ÷ peer | ours ÷ floor |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| rows stored | {results['ours']['rows']:,} | {results['peer']['rows']:,} (slice) | "
        f"{results['floor']['rows']:,} | | |"
    )
    print(
        f"| rows/s | {rate['ours']:,.0f} | {rate['peer']:,.0f} | {rate['floor']:,.0f} | "
        f"{rate['ours'] / rate['peer']:.1f}× | {rate['ours'] / rate['floor']:.2f}× |"
    )
    print(
        f"| seconds | {results['ours']['seconds']:.1f} | {results['peer']['seconds']:.1f} | "
        f"{results['floor']['seconds']:.1f} | | |"
    )
    print(
        f"| peak memory (MB) | {results['ours']['peak_mb']:,.0f} | {results['peer']['peak_mb']:,.0f} | "
        f"{results['floor']['peak_mb']:,.0f} | | |"
    )
    print(
        "\nours: checked (dry run) and stored with scores; peer: django-import-export 4, bulk mode, people "
        "only; floor: the file with no validation (COPY on PostgreSQL, executemany on SQLite)."
    )
    ours = results["rebuild"]
    grown = results.get("grow")
    size = f"{grown['people']:,} people" if grown else f"{results['ours']['rows']:,} people"
    print(f"\n## Rebuild, re-scoring and reads of the same campaign ({size})\n")
    if grown:
        print(
            f"The imported {results['ours']['rows']:,} people and their assessments copied in SQL up to "
            f"{grown['people']:,} (new ids, the same hamlets and answers) in {grown['seconds']:.0f} s.\n"
        )
    print("| figure | ours | peer | floor | peer ÷ ours | ours ÷ floor |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| rebuild of the rates (s) | {ours['rebuild_seconds']:.1f} | {ours['rebuild_orm_seconds']:.0f} "
        f"(extrapolated) | {ours['rebuild_floor_seconds']:.2f} | "
        f"{ours['rebuild_orm_seconds'] / ours['rebuild_seconds']:.0f}× | "
        f"{ours['rebuild_seconds'] / ours['rebuild_floor_seconds']:.0f}× |"
    )
    if "rescored" in ours:
        print(
            f"| re-scoring after a new framework version, {ours['rescored']:,} assessments (s) | "
            f"{ours['rescore_seconds']:.1f} | {ours['rebuild_orm_seconds']:.0f} (extrapolated) | "
            f"{ours['rescore_floor_seconds']:.2f} | "
            f"{ours['rebuild_orm_seconds'] / ours['rescore_seconds']:.0f}× | "
            f"{ours['rescore_seconds'] / ours['rescore_floor_seconds']:.0f}× |"
        )
    print(f"| peak memory of the rebuild, re-scoring and reads (MB) | {ours['peak_mb']:,.0f} | | | | |")
    for name, label in (
        ("selector", "the selector alone"),
        ("page", "the officer's page"),
        ("api", "the API"),
    ):
        read = ours[f"read_{name}"]
        print(
            f"| rates by commune, {label}: p50 / p95 (ms), queries | {1000 * read['p50']:.1f} / "
            f"{1000 * read['p95']:.1f}, {read['queries']} | {1000 * ours['read_orm_seconds']:.0f} (p50) | | "
            f"{ours['read_orm_seconds'] / read['p50']:.1f}× | |"
        )
    print(
        "\nrebuild and re-scoring peer: a Django ORM loop loading, scoring and saving each assessment, timed "
        f"on {ORM_SLICE:,} and extrapolated; rebuild floor: a bare Polars group-by of the same columns "
        "already in memory; re-scoring floor: the rule engine over the same answers already in memory. "
        f"Reads: {READS} requests each through Django in one process, against an ORM aggregate over raw rows."
    )
    for result in loads:
        print("\n" + load.markdown(result))
    if not loads:
        print("\nLoad: runs with DATABASE_URL (PostgreSQL and gunicorn, the production setup).")
    print(f"\nThe whole run took {took / 60:.1f} minutes.")


if __name__ == "__main__":
    main()
