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

    args = sys.argv[1:]
    # `learningcity rebuild-analytics` and `learningcity rebuild_analytics` are the same command.
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
        # `import` is a Python keyword: its command module is import_file.
        args[0] = {"import": "import_file"}.get(args[0], args[0])
    execute_from_command_line(["learningcity", *args])


if __name__ == "__main__":
    main()
