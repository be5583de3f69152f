"""The Japanese catalogues are complete and the committed .mo files are what the .po files say."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "ja" / "LC_MESSAGES"
DOMAINS = ["django", "djangojs"]


def _entries(domain: str):
    return [e for e in polib.pofile(str(LOCALE / f"{domain}.po")) if not e.obsolete]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_of_the_japanese_catalogue_is_translated_and_not_fuzzy(domain):
    entries = _entries(domain)
    assert entries, f"{domain}.po has no messages"
    untranslated = [e.msgid for e in entries if not e.translated()]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in {domain}.po: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy in {domain}.po: {fuzzy[:20]}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_header_says_japanese_with_one_plural_form(domain):
    po = polib.pofile(str(LOCALE / f"{domain}.po"))
    assert po.metadata["Language"] == "ja"
    assert po.metadata["Plural-Forms"].startswith("nplurals=1;")
    assert not po.metadata_is_fuzzy


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_committed_mo_holds_exactly_the_translations_of_the_po(domain):
    mo = {(e.msgctxt, e.msgid): e for e in polib.mofile(str(LOCALE / f"{domain}.mo"))}
    stale = []
    for entry in _entries(domain):
        compiled = mo.get((entry.msgctxt, entry.msgid))
        if compiled is None:
            stale.append((entry.msgid, "missing from the .mo"))
        elif entry.msgid_plural:
            if compiled.msgstr_plural.get(0) != entry.msgstr_plural.get(0):
                stale.append((entry.msgid, compiled.msgstr_plural.get(0)))
        elif compiled.msgstr != entry.msgstr:
            stale.append((entry.msgid, compiled.msgstr))
    assert not stale, f"run `make messages`: {domain}.mo differs from {domain}.po: {stale[:10]}"


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|%%|\{\{[^}]*\}\}")
    wrong = []
    for entry in _entries("django"):
        source = set(pattern.findall(entry.msgid)) | set(pattern.findall(entry.msgid_plural or ""))
        target = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        if set(pattern.findall(target)) != source:
            wrong.append(entry.msgid)
    assert not wrong, wrong[:10]
