"""The recognition decision as a document: an A4 PDF in the Vietnamese administrative form.

The layout follows Nghị định 30/2020/NĐ-CP on administrative documents: the issuing body and the number on the
left, the national title and motto on the right, place and date, the title "QUYẾT ĐỊNH" with what it is about,
the legal grounds, the articles, the recipients and the signature; the list of recognised subjects follows
as an annex. The document is an official Vietnamese text, so its fixed wording is Vietnamese whatever the
reader's language (as the certificate's is bilingual by design); WeasyPrint renders it from
`templates/decisions/pdf.html`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from .models import Assessment, RecognitionDecision
from .selectors.decisions import decision_items

# How a decision names each kind of subject it recognises (Vietnamese, singular; there is no plural form).
SUBJECT_NOUNS_VI = {
    "person": "công dân",
    "household": "gia đình",
    "clan": "dòng họ",
    "community": "cộng đồng",
    "organisation": "đơn vị",
}


def date_vi(day: dt.date) -> str:
    """The date as a decision writes it, e.g. "ngày 05 tháng 01 năm 2026": a leading zero for days below 10
    and for January and February (Nghị định 30/2020/NĐ-CP, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_name(unit_name: str, division_type: str) -> str:
    """The place on the date line: the unit's name without its kind ("Phường Tô Hiệu" → "Tô Hiệu")."""
    prefix = division_type.strip()
    if prefix and unit_name.lower().startswith(prefix.lower() + " "):
        return unit_name[len(prefix) + 1 :]
    return unit_name


def unit_line(assessment: Assessment) -> str:
    unit = assessment.unit
    if unit.level == "hamlet" and unit.parent is not None:
        return f"{unit.name}, {unit.parent.name}"
    return unit.name


@dataclass
class Row:
    position: int
    name: str
    unit: str
    certificate_code: str


def _grounds(spec: dict[str, Any]) -> list[str]:
    """The framework's dated legal sources, as "Căn cứ …" lines."""
    lines = []
    for source in spec.get("sources", []):
        date = source.get("date")
        if not date or not source.get("doc"):
            continue
        when = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
        issuer = f" của {source['issuer']}" if source.get("issuer") else ""
        lines.append(f"Căn cứ {source['doc']} {date_vi(when)}{issuer};")
    return lines


def decision_context(decision: RecognitionDecision) -> dict[str, Any]:
    items = list(decision_items(decision))
    version = decision.framework_version
    certificate = version.spec.get("certificate") or {}
    title = (certificate.get("title") or version.spec["title"])["vi"]
    unit = decision.issuing_unit
    rows = [
        Row(
            position=index,
            name=item.assessment.subject_name,
            unit=unit_line(item.assessment),
            certificate_code=getattr(getattr(item.assessment, "certificate", None), "code", ""),
        )
        for index, item in enumerate(items, start=1)
    ]
    return {
        "decision": decision,
        "issuer": "ỦY BAN NHÂN DÂN",
        "issuer_unit": unit.name.upper(),
        "place": place_name(unit.name, unit.division_type),
        "date_vi": date_vi(decision.issued_on),
        "title_vi": title,
        "noun": SUBJECT_NOUNS_VI.get(version.subject, "đối tượng"),
        "name_header": "Họ và tên" if version.subject == "person" else "Tên",
        "grounds": _grounds(version.spec),
        "rows": rows,
        "is_demo": decision.campaign.is_demo,
    }


def decision_html(*, decision: RecognitionDecision) -> str:
    """The HTML the PDF is printed from (also what tests read)."""
    return render_to_string("decisions/pdf.html", decision_context(decision))


def decision_pdf(*, decision: RecognitionDecision) -> bytes:
    """The decision as an A4 portrait PDF. Nothing is fetched while printing (no image, no other scheme)."""
    # Imported here: WeasyPrint loads pango on import, which the rest of the site does not need at start-up.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    document = HTML(
        string=decision_html(decision=decision), url_fetcher=URLFetcher(allowed_protocols={"data"})
    )
    return document.write_pdf()
