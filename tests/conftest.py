from __future__ import annotations

import pytest

from learningcity.territory.services import learning_cities_seed, territory_load_official

from .cast import Cast, make_cast


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001 - pytest-django fixture
    """Load the official territory (both eras, 14k units) once per test database."""
    with django_db_blocker.unblock():
        territory_load_official()
        learning_cities_seed()


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):  # noqa: ANN001
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


@pytest.fixture
def cast(db) -> Cast:  # noqa: ANN001
    return make_cast()
