"""Bulk import: our pipeline against django-import-export on the same register, in the same run.

    .venv/bin/python bench/import_bench.py --rows 20000          # SQLite in a temporary folder
    DATABASE_URL=postgres://… .venv/bin/python bench/import_bench.py --rows 20000

Each side runs in its own process on a fresh database (so its peak memory is its own):
- ours: the learning-citizen register (people and their ten answers) checked (dry run), then stored —
  people and scored, submitted self-assessments in one transaction;
- the peer: django-import-export 4, the Django library communes' developers reach for, importing the same
  people only (no answers, no scoring: less work than ours) with its usual two steps, a dry run then the
  import, matching people by the natural key (commune unit, name, birth year) as ours does.

Prints seconds and peak memory of each side and the ratios (peer / ours: above 1 means ours is faster or
lighter).
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

ROOT = Path(__file__).resolve().parent.parent
CODES = [
    f"i{a}_{b}" for a, b in ((1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (2, 4), (3, 1), (3, 2))
]
HEADER = [
    "Mã xã, phường",
    "Thôn, tổ dân phố",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Nhóm đối tượng",
    *CODES,
    *[f"Minh chứng {code}" for code in CODES],
]
FAMILY = ("Lò", "Cầm", "Quàng", "Lường", "Vì", "Nguyễn", "Trần", "Hoàng")
GIVEN = ("Văn Ún", "Thị Ón", "Văn Pọm", "Thị Hoa", "Đức Hải", "Thu Trang", "Minh Khánh", "Thị Ánh")


def register(path: Path, rows: int) -> None:
    """A register of Phường Tô Hiệu's "Tổ 1": distinct people, marks from 5 to 10, evidence noted."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for i in range(rows):
            name = f"{FAMILY[i % 8]} {GIVEN[(i // 8) % 8]} {i}"
            marks = [5 + (i + k) % 6 for k in range(10)]
            born = f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 55}"
            writer.writerow(
                [
                    "3646",
                    "Tổ 1",
                    name,
                    born,
                    "Nữ" if i % 2 else "Nam",
                    "Thái",
                    "g1",
                    *marks,
                    *["Sổ của tổ"] * 10,
                ]
            )


def setup() -> tuple[Any, Any]:
    """A fresh database with the territory, the frameworks, the commune officer and an open campaign."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.utils import timezone

    from learningcity.accounts.models import Role, RoleAssignment, User
    from learningcity.frameworks.services import frameworks_seed
    from learningcity.recognition import services
    from learningcity.territory.models import Era, Level, Unit
    from learningcity.territory.services import hamlet_create, territory_load_official

    if not Unit.objects.exists():
        territory_load_official()
    commune = Unit.objects.get(era=Era.CURRENT, level=Level.COMMUNE, code="3646")
    province = Unit.objects.get(era=Era.CURRENT, level=Level.PROVINCE, code="14")
    hamlet_create(commune=commune, name="Tổ 1", code="to-1", division_type="tổ dân phố")
    coordinator = User.objects.create_user(username="bench-province", password="x")  # noqa: S106
    RoleAssignment.objects.create(user=coordinator, role=Role.PROVINCE_COORDINATOR, unit=province)
    officer = User.objects.create_user(username="bench-officer", password="x")  # noqa: S106
    RoleAssignment.objects.create(user=officer, role=Role.COMMUNE_OFFICER, unit=commune)
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=coordinator,
        name="Bench",
        year=today.year,
        territory=province,
        frameworks=[v for v in frameworks_seed() if v.code == "vn.learning-citizen"],
        opens_on=today - dt.timedelta(days=1),
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )
    return officer, campaign


def ours(path: Path) -> dict[str, Any]:
    officer, campaign = setup()
    from learningcity.recognition.imports import jobs
    from learningcity.recognition.models import Assessment

    started = time.perf_counter()
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
    assert not job.errors_total, job.errors_preview[:3]
    jobs.import_commit(actor=officer, job=job, queue=False)
    job = jobs.run_store(str(job.pk))
    seconds = time.perf_counter() - started
    assert job.state == "done", job.message
    return {"seconds": seconds, "stored": Assessment.objects.count()}


def peer(path: Path) -> dict[str, Any]:
    setup()
    import tablib
    from django.utils import timezone
    from import_export import fields, resources, widgets

    from learningcity.recognition.models import Person
    from learningcity.territory.models import Level, Unit
    from learningcity.text import fold

    hamlet = Unit.objects.get(level=Level.HAMLET, name="Tổ 1", parent__code="3646")

    class PersonResource(resources.ModelResource):
        unit = fields.Field(attribute="unit", column_name="unit", widget=widgets.ForeignKeyWidget(Unit, "pk"))

        class Meta:
            model = Person
            fields = ("unit", "full_name", "name_folded", "sex", "birth_year", "ethnicity", "consent_at")
            import_id_fields = ("unit", "name_folded", "birth_year")
            use_bulk = False  # its default: one model instance, validated and saved, per row

    started = time.perf_counter()
    with path.open(encoding="utf-8") as file:
        rows = list(csv.reader(file))[1:]
    now = timezone.now()
    dataset = tablib.Dataset(
        headers=["unit", "full_name", "name_folded", "sex", "birth_year", "ethnicity", "consent_at"]
    )
    for row in rows:
        dataset.append(
            [hamlet.pk, row[2], fold(row[2]), "F" if row[4] == "Nữ" else "M", int(row[3][-4:]), row[5], now]
        )
    resource = PersonResource()
    result = resource.import_data(dataset, dry_run=True, raise_errors=True)
    assert not result.has_errors()
    result = resource.import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "stored": Person.objects.count()}


def side(name: str, path: Path) -> None:
    result = {"ours": ours, "peer": peer}[name](path)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--side", choices=("ours", "peer"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    if options.side:
        side(options.side, options.file)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        register(path, options.rows)
        results = {}
        for name in ("ours", "peer"):
            env = {**os.environ, "DATA_DIR": str(Path(folder) / name)}
            if "DATABASE_URL" in env:
                env["DATABASE_URL"] = fresh_postgres(env["DATABASE_URL"], f"learningcity_bench_{name}")
            done = subprocess.run(  # noqa: S603 - this very script, with our own arguments
                [sys.executable, __file__, "--side", name, "--file", str(path)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    database = "PostgreSQL" if "DATABASE_URL" in os.environ else "SQLite"
    print(f"Bulk import of {options.rows:,} rows on {database}")
    for name, label in (
        ("ours", "ours (people + scored answers)"),
        ("peer", "django-import-export (people only)"),
    ):
        r = results[name]
        print(f"  {label:<38} {r['seconds']:8.1f} s  {r['peak_mb']:8.0f} MB peak  {r['stored']:>9,} stored")
    print(
        f"  ratio peer/ours: time {results['peer']['seconds'] / results['ours']['seconds']:.1f}×, "
        f"memory {results['peer']['peak_mb'] / results['ours']['peak_mb']:.1f}×"
    )


def fresh_postgres(url: str, name: str) -> str:
    """An empty database `name` on the server of `url` (made again on each run; the database `url` names is
    only connected to, never changed); its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.rsplit("/", 1)[0] + "/" + name


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
