"""The officer's export pages: the list of what can be downloaded, and the downloads themselves (XLSX, or CSV
with `?format=csv`): subjects by kind, results of one framework in one campaign, import templates.

Thin: what goes in a file is decided in `exports` (scoped selectors only); this module picks the format and
writes the rows out. Every text cell goes through `spreadsheets.safe_cell`, so a name typed as `=HYPERLINK(…)`
reaches the reader as text, never as a formula.
"""

from __future__ import annotations

import tempfile
from typing import IO

import openpyxl
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from learningcity.accounts import policy
from learningcity.spreadsheets import CSV_TYPE, XLSX_TYPE, csv_chunks, write_sheet

from . import exports, selectors
from .imports.templates import template_workbook
from .officer_pages import Officer, officer_page, render_officer

# Who exports: whoever reads these records on the officer pages, within the same scope.
EXPORT_ROLES = selectors.READER_ROLES
FORMATS = ("xlsx", "csv")


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format") or "xlsx"
    if fmt not in FORMATS:
        raise Http404
    return fmt


def _xlsx_file(export: exports.Export) -> IO[bytes]:
    """The workbook in a temporary file: written a row at a time and sent in blocks, so a province-wide
    export never sits whole in memory."""
    book = openpyxl.Workbook(write_only=True)
    write_sheet(book.create_sheet(export.title[:31]), export.headers, export.rows, widths=export.widths)
    file = tempfile.TemporaryFile()  # closed, and so deleted, by the response once sent
    book.save(file)
    file.seek(0)
    return file


def _download(export: exports.Export, fmt: str) -> HttpResponse | StreamingHttpResponse:
    filename = f"{export.filename}.{fmt}"
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(export.headers, export.rows), content_type=CSV_TYPE)
    else:
        response = FileResponse(_xlsx_file(export), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@officer_page(EXPORT_ROLES, methods=("GET",))
def export_index(request: HttpRequest, officer: Officer) -> HttpResponse:
    language = get_language() or "vi"
    targets = [
        (campaign, version, version.title(language))
        for campaign, version in exports.result_targets(officer.user)
    ]
    return render_officer(
        request,
        officer,
        "exports/index.html",
        {
            "kinds": exports.subject_kinds(),
            "targets": targets,
            "templates": officer.holds(policy.IMPORT_ROLES),
        },
    )


# Files of personal data: never kept by a browser or proxy cache.
@never_cache
@officer_page(EXPORT_ROLES, methods=("GET",))
def export_subjects(
    request: HttpRequest, officer: Officer, kind: str
) -> HttpResponse | StreamingHttpResponse:
    if kind not in exports.SUBJECT_FILES:
        raise Http404
    fmt = _format(request)
    return _download(exports.subjects_export(user=officer.user, kind=kind), fmt)


@never_cache
@officer_page(EXPORT_ROLES, methods=("GET",))
def export_results(
    request: HttpRequest, officer: Officer, campaign_id: int, version_id: int
) -> HttpResponse | StreamingHttpResponse:
    target = exports.result_target(officer.user, campaign_id, version_id)
    if target is None:
        raise Http404
    fmt = _format(request)
    campaign, version = target
    return _download(exports.results_export(user=officer.user, campaign=campaign, version=version), fmt)


@officer_page(policy.IMPORT_ROLES, methods=("GET",))
def export_template(request: HttpRequest, officer: Officer, version_id: int) -> HttpResponse:
    """The import template of a framework version of a campaign the officer can see."""
    version = get_object_or_404(exports.template_versions(officer.user), pk=version_id)
    response = HttpResponse(template_workbook(version), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, exports.template_filename(version))
    return response
