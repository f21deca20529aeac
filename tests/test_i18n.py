"""The Vietnamese catalogue: complete, compiled, and served.

Vietnamese is the default language and English the second one; every msgid is English, so a missing
Vietnamese msgstr shows English to a Vietnamese reader without any error. These tests catch that, a stale
.mo (the server reads the .mo, not the .po), and a page that does not switch language.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"
CATALOGUES = sorted(LC_MESSAGES.glob("*.po"))
LOGIN = "/accounts/login/"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header included, obsolete `#~` entries left out).

    Enough of the format for what makemessages writes: flags, msgctxt, msgid, msgid_plural, msgstr,
    msgstr[n] and continuation lines.
    """
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # the keyword the next continuation line extends

    def close() -> None:
        nonlocal current, target
        if current is not None and current.line:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            close()
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry()
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if target is None:
                raise AssertionError(f"{path.name}:{number}: a string continues nothing")
            value = ast.literal_eval(line)
            keyword, index = target
            if keyword == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, keyword, (getattr(current, keyword) or "") + value)
            continue
        match = re.fullmatch(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")', line)
        if match is None:
            raise AssertionError(f"{path.name}:{number}: cannot read {raw!r}")
        keyword, index, value = match.group(1), int(match.group(2) or 0), ast.literal_eval(match.group(3))
        if keyword == "msgid":
            current.line = number
        if keyword == "msgstr":
            current.msgstr[index] = value
        else:
            setattr(current, keyword, value)
        target = (keyword, index)
    close()
    return entries


def messages(path: Path) -> list[Entry]:
    return [entry for entry in parse_po(path) if entry.msgid]


def test_the_vietnamese_catalogue_exists() -> None:
    assert LC_MESSAGES / "django.po" in CATALOGUES, f"no django.po under {LC_MESSAGES}"
    assert LC_MESSAGES.joinpath("django.mo").is_file(), "django.mo is missing: run compilemessages"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda path: path.name)
def test_header_declares_vietnamese_utf8_and_one_plural_form(po: Path) -> None:
    header = next(entry for entry in parse_po(po) if entry.msgid == "")
    assert "fuzzy" not in header.flags, f"{po.name}: the header is still marked fuzzy"
    fields = dict(line.split(":", 1) for line in header.msgstr.get(0, "").splitlines() if ":" in line)
    assert fields.get("Language", "").strip() == "vi"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").strip() == "nplurals=1; plural=0;"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda path: path.name)
def test_every_message_is_translated_and_none_is_fuzzy(po: Path) -> None:
    entries = messages(po)
    assert entries, f"{po.name} has no messages"
    empty = [entry.label for entry in entries if not entry.msgstr or not all(entry.msgstr.values())]
    fuzzy = [entry.label for entry in entries if "fuzzy" in entry.flags]
    problems = []
    if empty:
        problems.append(f"{len(empty)} message(s) without a translation:\n" + "\n".join(empty))
    if fuzzy:
        problems.append(f"{len(fuzzy)} fuzzy message(s) to check:\n" + "\n".join(fuzzy))
    assert not problems, f"{po.name}: " + "\n".join(problems)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda path: path.name)
def test_translations_keep_the_named_placeholders(po: Path) -> None:
    wrong = []
    for entry in messages(po):
        expected = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        for index, text in entry.msgstr.items():
            if text and set(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{entry.label} msgstr[{index}] has {sorted(PLACEHOLDER.findall(text))}")
    assert not wrong, f"{po.name}: placeholders differ from the msgid:\n" + "\n".join(wrong)


def read_mo(path: Path) -> dict[object, str]:
    """The translated messages of a .mo, without its header (which only carries metadata)."""
    with path.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog  # the only view of every message
    return {key: value for key, value in catalogue.items() if key != ""}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda path: path.name)
def test_the_committed_mo_matches_the_po(po: Path, tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not on PATH: cannot compile the .po to compare with the .mo")
    committed = po.with_suffix(".mo")
    assert committed.is_file(), f"{committed.name} is missing: run compilemessages"
    fresh = tmp_path / committed.name
    run = subprocess.run(  # noqa: S603 - a fixed tool on files of this repository
        [msgfmt, "--check", "-o", str(fresh), str(po)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, f"msgfmt --check refuses {po.name}:\n{run.stderr}"
    expected, actual = read_mo(fresh), read_mo(committed)
    stale = sorted(str(key) for key in expected.keys() - actual.keys())
    extra = sorted(str(key) for key in actual.keys() - expected.keys())
    changed = sorted(str(key) for key in expected.keys() & actual.keys() if expected[key] != actual[key])
    assert expected == actual, (
        f"{committed.name} is out of date; run compilemessages.\n"
        f"missing from the .mo: {stale}\nonly in the .mo: {extra}\ntranslated differently: {changed}"
    )


@pytest.mark.django_db
def test_the_login_page_is_vietnamese_by_default_and_english_on_request(client: Client) -> None:
    vietnamese = client.get(LOGIN)
    assert vietnamese.status_code == 200
    page = vietnamese.content.decode()
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page
    assert "Mật khẩu" in page
    assert "Log in" not in page

    switched = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert switched.status_code == 302
    assert switched["Location"] == LOGIN

    english = client.get(LOGIN)
    assert english.status_code == 200
    page = english.content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Password" in page
    assert "Đăng nhập" not in page
