from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import translation

from learningcity.territory.models import Unit
from learningcity.territory.services import learning_cities_seed, territory_load_official

from .cast import Cast, make_cast


def _uses_db(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool({"db", "transactional_db"} & fixtures or item.get_closest_marker("django_db"))


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker):  # noqa: ANN001 - pytest-django fixture
    """Load the official territory (both eras, 14k units) once per test database.

    pytest-django sets no database up when no collected test needs one (a file of pure functions run alone):
    there is nothing to load then.
    """
    if not any(_uses_db(item) for item in request.session.items):
        return
    with django_db_blocker.unblock():
        territory_load_official()
        learning_cities_seed()


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Service messages read in English in tests; pages still follow the request's language (Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):  # noqa: ANN001
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    # Rolled-back tests reuse primary keys, so a fragment cached by one test could be read by the next.
    caches["default"].clear()


@pytest.fixture
def cast(db) -> Cast:  # noqa: ANN001
    return make_cast()


AUDIT_MIGRATION = importlib.import_module("learningcity.accounts.migrations.0002_audit_append_only")


def _audit_triggers(*, on: bool) -> None:
    """Drop the audit log's append-only triggers (and put them back), with the migration's own statements.

    A plain cursor, not the schema editor: a test marked `django_db` may already be inside its transaction
    here (pytest-django's marker fixture runs before ours), and SQLite's schema editor refuses to work there.
    """
    vendor = connection.vendor
    drop = {"sqlite": AUDIT_MIGRATION.SQLITE_REVERSE, "postgresql": AUDIT_MIGRATION.POSTGRES_REVERSE}
    create = {"sqlite": AUDIT_MIGRATION.SQLITE_FORWARD, "postgresql": AUDIT_MIGRATION.POSTGRES_FORWARD}
    with connection.cursor() as cursor:
        for statement in [*drop.get(vendor, []), *(create.get(vendor, []) if on else [])]:
            cursor.execute(statement)


@pytest.fixture(autouse=True)
def _territory_loaded(request, django_db_setup, django_db_blocker) -> None:  # noqa: ANN001
    """Put the territory (and the audit log's triggers) back after a transactional test flushed them.

    Autouse fixtures run before `db` opens the test's transaction, so the reload persists for the tests that
    follow on this worker, in whatever order the worker runs them. A test without the database has none.
    """
    if not _uses_db(request.node):
        return
    with django_db_blocker.unblock():
        if not Unit.objects.exists():
            territory_load_official()
            learning_cities_seed()
            _audit_triggers(on=True)


@pytest.fixture
def flushable_db(transactional_db) -> Iterator[None]:  # noqa: ANN001
    """A transactional database (other threads and processes see the writes) with the territory loaded.

    Such tests end by flushing every table, which the append-only audit log refuses: its triggers are lifted
    for the flush, and `_territory_loaded` puts them back with the territory before the next test.
    """
    yield
    _audit_triggers(on=False)
