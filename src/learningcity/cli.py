"""The `learningcity` command: Django's management commands under one name.

`learningcity demo`, `learningcity serve`, `learningcity worker`, `learningcity evaluate` and the rest are the
project's management commands; `learningcity help` lists them all.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["learningcity", *sys.argv[1:]])


if __name__ == "__main__":
    main()
