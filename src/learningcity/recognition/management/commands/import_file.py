"""`learningcity import FILE`: check a commune's file (and store it with --commit), as the import page does.

The same job, checks and storage as the page, run here in the foreground with a progress bar and no size
limit. Every bad row is printed (up to --show) and all of them written to a workbook; the exit code is 2 when
the file has errors or cannot be read, and nothing is stored then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition.imports import jobs
from learningcity.recognition.models import Campaign, ImportJob

BAD_FILE = 2


class Command(BaseCommand):
    help = "Check a file of self-assessments against a campaign's framework; store it with --commit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--campaign", type=int, required=True, help="the campaign's id")
        parser.add_argument(
            "--framework", required=True, help="the framework's code, e.g. vn.learning-citizen"
        )
        parser.add_argument("--user", required=True, help="the username of the officer importing")
        parser.add_argument("--commit", action="store_true", help="store the file when it has no error")
        parser.add_argument(
            "--consent-confirmed",
            action="store_true",
            help="confirm that the people in the file agreed to their data being recorded",
        )
        parser.add_argument("--errors-out", type=Path, help="where to write the workbook of bad rows")
        parser.add_argument("--show", type=int, default=30, help="bad rows printed (default 30)")
        parser.add_argument("--language", default="vi", help="language of the reasons (vi or en)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=BAD_FILE)
        user = User.objects.filter(username=options["user"]).first()
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        if user is None or campaign is None:
            raise CommandError("Unknown --user or --campaign.")
        version = campaign.frameworks.filter(code=options["framework"]).first()
        if version is None:
            codes = ", ".join(campaign.frameworks.values_list("code", flat=True))
            raise CommandError(f"The campaign has no framework {options['framework']} (it has: {codes}).")
        assert isinstance(version, FrameworkVersion)
        with path.open("rb") as upload:
            job = jobs.import_start(
                actor=user,
                campaign=campaign,
                version=version,
                upload=upload,
                original_name=path.name,
                consent_confirmed=options["consent_confirmed"],
                max_bytes=None,
                language=options["language"],
                queue=False,
            )
        steps = tqdm(desc="checking", unit="step", total=5, disable=options["verbosity"] == 0)

        def step(name: str) -> None:
            steps.set_postfix_str(name)
            steps.update(1)

        job = jobs.run_check(str(job.pk), say=step)
        steps.close()
        self._report(job, options)
        if not options["commit"]:
            self.stdout.write("Dry run only: nothing was stored (add --commit to store).")
            return
        job = jobs.import_commit(actor=user, job=job, queue=False)
        bar = tqdm(desc="storing", unit="row", total=job.rows_total, disable=options["verbosity"] == 0)
        last = 0

        def begun(name: str) -> None:  # scoring, then writing: the bar starts again for each
            nonlocal last
            bar.reset(total=job.rows_total)
            bar.set_description(name)
            last = 0

        def stored(done: int) -> None:
            nonlocal last
            bar.update(done - last)
            last = done

        job = jobs.run_store(str(job.pk), say=begun, progress=stored)
        bar.close()
        if job.state != ImportJob.State.DONE:
            self._report(job, options)
            raise CommandError(job.message or f"The import ended as {job.state}.", returncode=BAD_FILE)
        counts = job.counts
        self.stdout.write(
            f"Stored {counts['rows']} rows: {counts['new_subjects']} new subjects, "
            f"{counts['new_assessments']} new and {counts['updated_assessments']} updated self-assessments, "
            f"{counts['unchanged']} unchanged."
        )

    def _report(self, job: ImportJob, options: dict[str, Any]) -> None:
        if job.state == ImportJob.State.FAILED:
            raise CommandError(job.message, returncode=BAD_FILE)
        counts = job.counts
        self.stdout.write(
            f"{job.rows_total} rows checked: {job.rows_bad} with errors, "
            f"{counts.get('new_subjects', 0)} new subjects, {counts.get('new_assessments', 0)} new and "
            f"{counts.get('updated_assessments', 0)} updated self-assessments."
        )
        if not job.errors_total:
            return
        for error in job.errors_preview[: options["show"]]:
            self.stderr.write(
                f"row {error['row']}, {error['column']}: “{error['value']}” – {error['reason']}"
            )
        if job.errors_total > options["show"]:
            self.stderr.write(f"… and {job.errors_total - options['show']} more errors.")
        if job.errors_name:
            out = options["errors_out"] or Path(f"{Path(job.original_name).stem}-errors.xlsx")
            with default_storage.open(job.errors_name, "rb") as source:
                out.write_bytes(source.read())
            self.stderr.write(f"All errors: {out}")
        raise CommandError(f"{job.errors_total} errors: nothing was stored.", returncode=BAD_FILE)
