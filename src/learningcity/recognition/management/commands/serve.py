"""`learningcity serve`: the web server (gunicorn), optionally with the background worker beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_TIMEOUT = 15  # seconds a child gets to finish its current request or job before it is killed


class Command(BaseCommand):
    help = (
        "Serve the site with gunicorn on 127.0.0.1:$PORT (default 8000); --with-worker also runs the worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="port (default: $PORT or 8000)",
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default: 2)")
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run `learningcity worker` for background jobs, stopped with the server",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = f"{options['host']}:{options['port']}"
        server_command = [
            sys.executable,
            "-m",
            "gunicorn",
            "learningcity.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            # No control socket in $HOME: two servers on one machine (a demo, a smoke test) would share it.
            "--no-control-socket",
        ]
        children: list[subprocess.Popen[bytes]] = []
        # Set once every child has been asked to stop (SIGTERM forwarded, or Ctrl+C, which reaches the whole
        # process group): a second signal would make the worker abandon the job it is finishing.
        signalled = False

        def forward(signum: int, _frame: FrameType | None) -> None:
            nonlocal signalled
            signalled = True
            for child in children:
                if child.poll() is None:
                    child.send_signal(signum)

        previous = signal.signal(signal.SIGTERM, forward)
        code = 0
        try:
            if options["with_worker"]:
                worker = [sys.executable, "-m", "learningcity.cli", "worker"]
                children.append(subprocess.Popen(worker))  # noqa: S603 - fixed argument list, no shell
            server = subprocess.Popen(server_command)  # noqa: S603
            children.append(server)
            self.stdout.write(f"Serving on http://{bind}/ (Ctrl+C stops)")
            while True:
                try:
                    code = server.wait()
                    break
                except KeyboardInterrupt:
                    signalled = True
                    # The server stops on the same Ctrl+C; this also stops it when only we were interrupted.
                    if server.poll() is None:
                        server.send_signal(signal.SIGTERM)
        finally:
            for child in reversed(children):
                self._stop(child, ask=not signalled)
            signal.signal(signal.SIGTERM, previous)
        if code not in (0, -signal.SIGTERM, -signal.SIGINT):
            raise CommandError(f"gunicorn stopped with exit code {code}", returncode=code if code > 0 else 1)

    @staticmethod
    def _stop(child: subprocess.Popen[bytes], *, ask: bool) -> None:
        if ask and child.poll() is None:
            child.terminate()
        try:
            child.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
