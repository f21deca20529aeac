"""The committed snapshot of the OpenAPI schema (docs/openapi.json), and the command that rewrites it.

    DEBUG=true .venv/bin/python -m learningcity.api.openapi        # rewrite docs/openapi.json

tests/api/test_openapi.py fails when the live schema and the snapshot differ, so a change to the API is always
a visible change to docs/openapi.json in review.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

SNAPSHOT_PATH = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def schema_text() -> str:
    """The live schema as the snapshot stores it: stable key order, two-space indent, UTF-8, final newline."""
    from ninja.responses import NinjaJSONEncoder

    from .routers import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    return json.dumps(schema, cls=NinjaJSONEncoder, indent=2, ensure_ascii=False) + "\n"


def write_snapshot(path: Path = SNAPSHOT_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    return path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")
    import django

    django.setup()
    written = write_snapshot()
    sys.stdout.write(f"wrote {written}\n")


if __name__ == "__main__":
    main()
