"""E-mails and PDFs are fully translated: rendered in Japanese, none of them keeps an English UI string."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from tests.i18n.test_pages_in_japanese import _english_left, _english_ui_strings, _visible_text

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
EMAILS = sorted(p.name for p in (TEMPLATES / "emails").glob("*.txt"))
PDFS = sorted(
    str(p.relative_to(TEMPLATES))
    for p in TEMPLATES.rglob("*.html")
    if "pdf" in str(p.relative_to(TEMPLATES)) or "receipt" in p.name
)


class Anything:
    """Stands for any context value: every attribute is another one, it prints as 1 (a valid pk)."""

    def __getattr__(self, name):
        return _value(name)

    def __getitem__(self, key):
        return _value(str(key))

    def __iter__(self):
        return iter(())

    def __str__(self):
        return "1"


def _value(name: str):
    if re.search(r"(_at|_utc|_tokyo|_brussels|deadline)$", name):
        return dt.datetime(2030, 1, 15, 8, 0, tzinfo=dt.UTC)
    return Anything()


def _context(template: str) -> dict:
    source = (TEMPLATES / template).read_text()
    names = set(re.findall(r"\{\{\s*([a-z_]\w*)", source)) | set(
        re.findall(r"\{%[^%]*?\b([a-z_]\w*)\.", source)
    )
    return {name: _value(name) for name in names}


def _render_ja(template: str) -> str:
    with translation.override("ja"):
        return render_to_string(template, _context(template))


def test_there_are_email_and_pdf_templates_to_check():
    assert len(EMAILS) >= 10
    assert PDFS


@pytest.mark.parametrize("name", EMAILS)
def test_every_email_template_renders_in_japanese_without_english(name, db):
    text = re.sub(r"\S*/\S*", " ", _visible_text(_render_ja(f"emails/{name}"), []))
    assert _english_left(text, _english_ui_strings()) == []
    assert any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text), text


def _unmarked_text(source: str) -> str:
    """What a template prints outside {% translate %}/{% blocktranslate %} and variables."""
    source = re.sub(r"(?s)\{%\s*blocktranslate.*?endblocktranslate\s*%\}", " ", source)
    source = re.sub(r"(?s)\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", " ", source)
    source = re.sub(r"(?s)\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", " ", source)
    return _visible_text(source, [])


@pytest.mark.parametrize("name", PDFS)
def test_every_pdf_template_marks_all_its_text_for_translation(name):
    text = _unmarked_text((TEMPLATES / name).read_text())
    assert _english_left(text, _english_ui_strings()) == []
    assert not re.findall(r"\b[A-Z][a-z]+ [a-z]+ [a-z]+\b", text), text  # no untranslated sentence


def test_the_english_check_sees_an_english_email(db):
    with translation.override("en"):
        text = render_to_string("emails/proposal_submitted.txt", {})
    assert "Your proposal has been received." in _english_left(text, _english_ui_strings())
