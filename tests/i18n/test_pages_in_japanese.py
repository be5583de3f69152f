"""Every main page and every form page, shown to a user whose language is Japanese, has no English UI
string left in it.

Two checks on the page's visible text (tags, scripts and styles stripped; placeholders, titles, alt
texts, ARIA labels and button values kept): the English msgids of the catalogue (a string marked for
translation but not translated), and any run of two or more Latin-alphabet words (a string never
marked at all). What users typed (every text stored in the database, e.g. the English demo titles),
acronyms and identifiers, e-mail addresses, URLs and the proper names of NOT_UI are removed first, so
only the portal's own wording is checked."""

import html
import io
import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse

from calls.models import Call, PartnershipPlan, Topic
from evaluation.models import Assignment, CallEvaluation, ProposalEvaluation
from loi_portal.models import User
from proposals.models import Proposal
from reporting.models import PeriodicReport, Project

PO = Path(__file__).resolve().parents[2] / "locale" / "ja" / "LC_MESSAGES" / "django.po"
# What may stay in Latin letters on a Japanese page, for both checks. Keep it short, with a reason
# per entry: anything else the portal writes is translated.
NOT_UI = {
    "LoI Portal": "the portal's own name",
    "Horizon Europe": "the EU programme's name",
    "SIP": "the Japanese programme's name (Cross-ministerial Strategic Innovation Promotion Program)",
    "EUR": "currency code",
    "JPY": "currency code",
    "UTC": "time standard",
    "English": "the language switcher names each language in that language",
    "Japanese": "a msgid that is also a word of the English texts users typed (Japanese networks)",
    "e-Rad ID": "the name of the Japanese funding system's identifier, as applicants know it",
    "Japan": "a msgid that is also a word of the English texts users typed (Cabinet Office of Japan)",
}
PAST_CALL = "EUJ-QST-2025-01"
OPEN_CALL = "EUJ-QST-2026-01"


def _english_ui_strings() -> list[str]:
    strings = set()
    for entry in polib.pofile(str(PO)):
        for text in (entry.msgid, entry.msgid_plural or ""):
            if re.search(r"%\(|%[sd]|\{\{|\n", text) or text in NOT_UI:
                continue
            if len(re.findall(r"[A-Za-z]", text)) > 3:
                strings.add(text)
    return sorted(strings, key=len, reverse=True)


def _typed_content() -> list[str]:
    """Every text value stored in the database: content typed by users (and the demo's English)."""
    values = set()
    for model in apps.get_models():
        fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            values.update(v for v in row if isinstance(v, str))
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        for row in model.objects.values_list(*fields) if fields else []:
            values.update(_strings_in(list(row)))
    values |= {line.strip() for value in values for line in value.splitlines()}
    # Keywords and other lists are shown one item at a time.
    values |= {part.strip() for value in values for part in re.split(r"[,;]", value)}
    words = {" ".join(v.split()) for v in values}
    return sorted((v for v in words if len(v) >= 3 and any(c.isalpha() for c in v)), key=len, reverse=True)


def _strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_in(v)


# Attribute texts a user sees or hears: placeholders, tooltips, alt texts, ARIA labels, button values.
VISIBLE_ATTRIBUTE = re.compile(
    r"""\b(?:placeholder|title|alt|aria-label)\s*=\s*"([^"]*)"|"""
    r'<input\b[^>]*\btype="(?:submit|button|reset)"[^>]*\bvalue="([^"]*)"',
    re.I,
)


def _strip_identifiers(text: str) -> str:
    """Removes what is the same in both languages: URLs, e-mail addresses and acronyms or identifiers
    (a word of capitals and digits: QUANTA-NET, EUJ-QST-2026-01, EUR, JPY, PDF, ID)."""
    text = re.sub(r"\b(?:https?://|www\.)\S+", " ", text)
    text = re.sub(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", " ", text)
    return re.sub(r"(?<![\w-])[A-Z0-9][A-Z0-9]*(?:[-/.][A-Z0-9]+)*(?![\w-])", " ", text)


def _visible_text(page: str, typed: list[str]) -> str:
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    attributes = [value for match in VISIBLE_ATTRIBUTE.finditer(page) for value in match.groups() if value]
    page = page + "".join(f"\n<p>{value}</p>" for value in attributes)
    text = html.unescape(re.sub(r"(?s)<[^>]+>", "\n", page))
    text = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    text = re.sub(
        r"\b(Africa|America|Asia|Atlantic|Australia|Europe|Pacific|Indian|Antarctica|Arctic)/[A-Za-z_/+-]+",
        " ",
        text,
    )
    for value in typed:
        if value in text:  # whole words only: a stored "out" must not eat "Log out"
            text = re.sub(r"(?<![A-Za-z])" + re.escape(value) + r"(?![A-Za-z])", " ", text)
    text = _strip_identifiers(text)  # after what was typed, which may hold identifiers itself
    for name in NOT_UI:  # proper names stay as they are in Japanese
        text = text.replace(name, " ")
    return text


def _english_left(text: str, strings: list[str]) -> list[str]:
    return [s for s in strings if re.search(r"(?<![A-Za-z])" + re.escape(s) + r"(?![A-Za-z])", text)]


def _latin_runs(text: str) -> list[str]:
    """Runs of two or more Latin-alphabet words on one line: English the catalogue cannot know of,
    because it was never marked for translation."""
    word = r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'’]*(?:-[A-Za-z\u00c0-\u024f]+)*"
    return sorted(set(re.findall(rf"{word}(?:[ \t,:;]+{word})+", text)))


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    User.objects.update(language="ja")
    past = Call.objects.get(identifier=PAST_CALL)
    quanta = Proposal.objects.get(call=past, acronym="QUANTA-NET")
    project = Project.objects.get(proposal=quanta)
    return {
        "past": past,
        "open": Call.objects.filter(identifier=OPEN_CALL).first() or past,
        "quanta": quanta,
        "eu_eval": CallEvaluation.objects.get(call=past, side__code="EU"),
        "jp_eval": CallEvaluation.objects.get(call=past, side__code="JP"),
        "project": project,
        "report": PeriodicReport.objects.filter(project=project).order_by("number").first(),
        "topic": Topic.objects.order_by("pk").first(),
        "plan": PartnershipPlan.objects.order_by("pk").first(),
        "assignment": Assignment.objects.filter(evaluator__username="eu_evaluator1").order_by("pk").first(),
        "draft": Proposal.objects.get(acronym="QMAT"),
        "submitted": Proposal.objects.get(acronym="QLINK"),
        "draft_call": Call.objects.get(state="draft"),
        "draft_report": PeriodicReport.objects.filter(project=project, state="draft")
        .order_by("number")
        .first(),
        "eu_proposal_eval": ProposalEvaluation.objects.get(proposal=quanta, side__code="EU"),
        "jp_proposal_eval": ProposalEvaluation.objects.get(proposal=quanta, side__code="JP"),
    }


def _pages(d) -> list[tuple[str | None, str]]:
    past, quanta = d["past"], d["quanta"]
    pages = [
        (None, reverse("home")),
        (None, reverse("calls:list")),
        (None, reverse("calls:detail", args=[past.pk])),
        (None, reverse("calls:detail", args=[d["open"].pk])),
        (None, reverse("login")),
        (None, reverse("register")),
        (None, reverse("password_reset")),
    ]
    for username in User.objects.filter(username__regex=r"^(eu|jp)_").values_list("username", flat=True):
        pages += [(username, reverse("dashboard")), (username, reverse("profile"))]
    for officer in ("eu_officer", "jp_officer"):
        pages += [
            (officer, reverse("calls:list")),
            (officer, reverse("calls:detail", args=[past.pk])),
            (officer, reverse("calls:topic_list")),
            (officer, reverse("calls:plan_list")),
            (officer, reverse("proposals:call_list", args=[past.pk])),
            (officer, reverse("proposals:detail", args=[quanta.pk])),
            (officer, reverse("evaluation:home")),
            (
                officer,
                reverse("evaluation:call", args=[d["eu_eval" if officer == "eu_officer" else "jp_eval"].pk]),
            ),
            (officer, reverse("evaluation:ranking", args=[d["eu_eval"].pk])),
            (officer, reverse("evaluation:ranking", args=[d["jp_eval"].pk])),
            (officer, reverse("evaluation:selection", args=[past.pk])),
            (officer, reverse("evaluation:funding", args=[past.pk])),
            (officer, reverse("evaluation:review_requests")),
            (officer, reverse("reporting:projects")),
            (officer, reverse("reporting:project", args=[d["project"].pk])),
            (officer, reverse("reporting:report", args=[d["report"].pk])),
            (officer, reverse("reporting:monitoring")),
            (officer, reverse("reporting:exports")),
            (officer, reverse("governance:letter")),
            (officer, reverse("governance:discontinuation")),
            (officer, reverse("governance:divergence_list")),
            (officer, reverse("governance:disclosure_list")),
            (officer, reverse("governance:audit_log")),
            (officer, reverse("invite")),
        ]
    if d["topic"]:
        pages.append(("eu_officer", reverse("calls:topic_detail", args=[d["topic"].pk])))
    if d["plan"]:
        pages.append(("jp_officer", reverse("calls:plan_detail", args=[d["plan"].pk])))
    for researcher in ("eu_researcher", "jp_researcher"):
        pages += [
            (researcher, reverse("proposals:mine")),
            (researcher, reverse("proposals:detail", args=[quanta.pk])),
            (researcher, reverse("evaluation:summary", args=[quanta.pk])),
            (researcher, reverse("reporting:project", args=[d["project"].pk])),
            (researcher, reverse("reporting:report", args=[d["report"].pk])),
        ]
    pages += [
        ("eu_evaluator1", reverse("evaluation:home")),
        ("eu_expert", reverse("calls:topic_list")),
        ("jp_observer", reverse("reporting:monitoring")),
    ]
    if d["assignment"]:
        pages.append(("eu_evaluator1", reverse("evaluation:assignment", args=[d["assignment"].pk])))
    return pages + _form_pages(d)


def _form_pages(d) -> list[tuple[str | None, str]]:
    """The pages with a form: their labels, help texts, choices and buttons."""
    draft, submitted = d["draft"], d["submitted"]
    pages = [
        ("eu_researcher", reverse("proposals:start", args=[d["open"].pk])),
        ("eu_researcher", reverse("proposals:edit", args=[draft.pk])),
        ("eu_researcher", reverse("proposals:annexes", args=[draft.pk])),
        ("eu_researcher", reverse("proposals:submit", args=[draft.pk])),
        ("eu_researcher", reverse("proposals:receipt", args=[submitted.pk, 1])),
        ("eu_researcher", reverse("reporting:report-edit", args=[d["draft_report"].pk])),
        ("jp_officer", reverse("reporting:report-assess", args=[d["report"].pk])),
        ("eu_officer", reverse("calls:create")),
        ("eu_officer", reverse("calls:edit", args=[d["draft_call"].pk])),
        ("eu_officer", reverse("calls:topic_create")),
        ("eu_officer", reverse("calls:plan_create")),
    ]
    if d["topic"]:
        pages.append(("eu_officer", reverse("calls:topic_edit", args=[d["topic"].pk])))
    if d["plan"]:
        pages.append(("jp_officer", reverse("calls:plan_new_version", args=[d["plan"].pk])))
    for officer, evaluation in (("eu_officer", d["eu_proposal_eval"]), ("jp_officer", d["jp_proposal_eval"])):
        pages += [
            (officer, reverse("evaluation:eligibility", args=[evaluation.pk])),
            (officer, reverse("evaluation:assign", args=[evaluation.pk])),
            (officer, reverse("evaluation:consensus", args=[evaluation.pk])),
        ]
    if d["assignment"]:
        pages.append(("eu_evaluator1", reverse("evaluation:review", args=[d["assignment"].pk])))
    return pages


def test_every_main_page_in_japanese_has_no_english_ui_string_left(demo):
    strings = _english_ui_strings()
    typed = _typed_content()
    clients: dict[str | None, Client] = {}
    left = {}
    for username, url in _pages(demo):
        if username not in clients:
            clients[username] = Client(HTTP_ACCEPT_LANGUAGE="ja")
            if username:
                clients[username].force_login(User.objects.get(username=username))
        response = clients[username].get(url)
        assert response.status_code == 200, (username, url, response.status_code)
        page = response.content.decode()
        assert '<html lang="ja"' in page or 'lang="ja"' in page, (username, url)
        text = _visible_text(page, typed)
        english = _english_left(text, strings) + _latin_runs(text)
        if english:
            left[(username, url)] = english
    assert not left, "English UI strings on Japanese pages:\n" + "\n".join(
        f"{who} {url}: {found}" for (who, url), found in left.items()
    )


def test_the_check_finds_english_that_was_never_marked_for_translation():
    page = (
        '<main><h1>提案書の編集</h1><p>Save as draft</p><input type="submit" value="Send now">'
        '<input placeholder="Type the title"></main>'
    )
    assert _latin_runs(_visible_text(page, [])) == ["Save as draft", "Send now", "Type the title"]


def test_the_check_leaves_identifiers_addresses_and_names_alone():
    page = (
        "<p>EUJ-QST-2026-01 QUANTA-NET EUR 1,000 JPY</p><p>pi.qlink@tudelft.example.nl</p>"
        "<p>https://loi-portal.example.org/calls/1/ Europe/Brussels</p><p>Horizon Europe SIP</p>"
        "<p>Quantum links between Tokyo and Brussels</p>"
    )
    assert _latin_runs(_visible_text(page, ["Quantum links between Tokyo and Brussels"])) == []


def test_the_check_finds_english_ui_strings_on_a_page_shown_in_english(demo):
    User.objects.update(language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="eu_officer"))
    page = client.get(reverse("calls:list")).content.decode()
    text = _visible_text(page, _typed_content())
    english = _english_left(text, _english_ui_strings())
    assert "Log out" in english
    assert "Skip to content" in english
    assert "Skip to content" in _latin_runs(text)
