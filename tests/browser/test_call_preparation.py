"""Journey 1: an EU and a JP programme officer, each in their own browser, propose and agree a priority
topic, approve a Partnership Plan and publish a call; the real worker opens it at its opening time.
The topic, the plan and the call are written with the keyboard only."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from calls.enums import CallState
from calls.models import Call, PartnershipPlan, Topic
from tests.browser.accessibility import (
    choose_value_with_keyboard,
    choose_with_keyboard,
    press_button,
    tab_to,
    type_into,
)
from tests.browser.conftest import Portal
from tests.factories import make_user

pytestmark = pytest.mark.browser

TOPIC = "Quantum-safe networks for disaster resilience"
PLAN = "Partnership Plan for the 2027 QST joint call"
CALL = "Quantum technologies for resilient societies 2027"
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def submit(page: Page) -> None:
    """Clicks the main form's submit button and waits for the next page."""
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def propose_topic_with_keyboard(portal: Portal, page: Page) -> None:
    page.locator("nav").get_by_role("link", name="Topics", exact=True).click()
    portal.step(page, "eu-topics")
    page.locator("a[href$='/calls/topics/new/']").click()
    portal.step(page, "eu-topic-form")
    type_into(page, page.locator("#id_title"), TOPIC)
    type_into(
        page,
        page.locator("#id_description"),
        "Post-quantum and QKD links that keep working after earthquakes.",
    )
    choose_with_keyboard(page, page.locator("#id_challenge"), "Cybersecurity")
    type_into(page, page.locator("#id_dp_priority"), "Secure connectivity")
    tab_to(page, page.locator("main form button[type=submit]"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(TOPIC)


def type_wall_clock(page: Page, field, when: dt.datetime) -> None:
    """Types a date and time into a datetime-local field: its date digits, Tab to the hour, the time.
    Chromium orders day and month by its own locale, so the day and the month are the same number;
    an hour after noon needs no AM/PM where the clock has 12 hours."""
    assert when.day == when.month and when.hour > 12, when
    tab_to(page, field)
    page.keyboard.type(when.strftime("%m%d%Y"))
    page.keyboard.press("Tab")
    page.keyboard.type(when.strftime("%H%M"))
    expect(field).to_have_value(when.strftime("%Y-%m-%dT%H:%M"))


def same_day_and_month(after: dt.datetime, *, latest_before: dt.datetime | None = None) -> dt.datetime:
    """The first day whose day and month are the same number after ``after`` (or the last one before
    ``latest_before``), at ``after``'s time of day."""
    candidates = [
        after.replace(year=year, month=month, day=month)
        for year in (after.year - 1, after.year, after.year + 1)
        for month in range(1, 13)
    ]
    if latest_before is not None:
        return max(c for c in candidates if c < latest_before)
    return min(c for c in candidates if c > after)


def agree(portal: Portal, page: Page, step: str) -> None:
    page.locator("a[href$='/agree/']").click()
    portal.step(page, f"{step}-confirm")
    submit(page)


def test_officers_agree_topic_approve_plan_and_publish_call(portal):
    make_user("EU", "officer", username="eu_officer", first_name="Eva", last_name="Lindqvist")
    make_user("JP", "officer", username="jp_officer", first_name="Kenji", last_name="Sato")
    eu = portal.page_for("eu_officer")
    jp = portal.page_for("jp_officer")

    # 1. Topic: proposed by the EU officer (keyboard only), agreed by each Side.
    propose_topic_with_keyboard(portal, eu)
    portal.step(eu, "eu-topic-proposed")
    agree(portal, eu, "eu-topic-agree")
    expect(eu.locator(".alert-success")).to_be_visible()
    topic = Topic.objects.get(title=TOPIC)
    assert not topic.is_agreed
    jp.locator("nav").get_by_role("link", name="Topics", exact=True).click()
    jp.get_by_role("link", name=TOPIC).click()
    portal.step(jp, "jp-topic")
    agree(portal, jp, "jp-topic-agree")
    expect(jp.locator("main p.text-muted .badge.text-bg-success")).to_be_visible()
    portal.step(jp, "jp-topic-agreed")
    topic.refresh_from_db()
    assert topic.is_agreed

    # 2. Partnership Plan: created by the JP officer from the default criteria (keyboard only),
    # approved by both.
    jp.locator("nav").get_by_role("link", name="Partnership Plans").click()
    jp.locator("a[href$='/calls/plans/new/']").click()
    type_into(jp, jp.locator("#id_name"), PLAN)
    # Short texts: typed key by key, they set the journey's pace.
    type_into(jp, jp.locator("#id_evaluation_procedure"), "Each Side evaluates in parallel.")
    type_into(jp, jp.locator("#id_selection_procedure"), "Selected when both Sides agree.")
    type_into(jp, jp.locator("#id_timeline"), "2027-01-15 | Call opens\n2027-04-15 | Deadline")
    expect(jp.locator("#id_timeline")).to_have_value("2027-01-15 | Call opens\n2027-04-15 | Deadline")
    type_into(jp, jp.locator("#id_eu_funding"), "7000000.00")
    type_into(jp, jp.locator("#id_jp_funding"), "300000000")
    for prefix in ("eu", "jp"):
        threshold = jp.locator(f"#id_{prefix}_overall_threshold")
        if not threshold.input_value():
            type_into(jp, threshold, "10")
    portal.step(jp, "jp-plan-form")
    press_button(jp, jp.locator("main form button[type=submit]"))
    plan = PartnershipPlan.objects.get(name=PLAN)
    expect(jp.locator("h1")).to_have_text(PLAN)
    jp.locator("a[href$='/approve/']").first.click()
    submit(jp)
    portal.step(jp, "jp-plan-approved")
    eu.goto(portal.url(f"/calls/plans/{plan.pk}/"))
    eu.locator("a[href$='/approve/']").first.click()
    portal.step(eu, "eu-plan-approve-confirm")
    submit(eu)
    expect(eu.locator("details[open] summary .badge.text-bg-success")).to_be_visible()
    portal.step(eu, "eu-plan-in-force")
    version = plan.versions.get()
    assert version.in_force_since is not None

    # 3. Call: drafted by the EU officer (keyboard only), its text approved by both Sides, then
    # published.
    eu.locator("nav").get_by_role("link", name="Calls", exact=True).click()
    eu.locator("a[href$='/calls/new/']").click()
    now = timezone.now().astimezone(BRUSSELS).replace(second=0, microsecond=0)
    # Already open when published (the worker opens it), closing at 17:00 Brussels time weeks ahead.
    opens_at = same_day_and_month(now.replace(hour=13, minute=0), latest_before=now - dt.timedelta(hours=1))
    deadline = same_day_and_month((now + dt.timedelta(days=45)).replace(hour=17, minute=0))
    type_into(eu, eu.locator("#id_title"), CALL)
    type_into(eu, eu.locator("#id_identifier"), "EUJ-QST-2027-01")
    type_into(
        eu,
        eu.locator("#id_description"),
        "A joint call under the Letter of Intent.",
    )
    topic_box = eu.get_by_label(TOPIC)
    tab_to(eu, topic_box)
    eu.keyboard.press("Space")
    expect(topic_box).to_be_checked()
    choose_with_keyboard(eu, eu.locator("#id_plan_version"), f"{PLAN} v1")
    choose_value_with_keyboard(eu, eu.locator("#id_zone"), "Europe/Brussels")
    type_wall_clock(eu, eu.locator("#id_opens_at"), opens_at.replace(tzinfo=None))
    type_wall_clock(eu, eu.locator("#id_deadline"), deadline.replace(tzinfo=None))
    type_into(eu, eu.locator("#id_eu_cap"), "7000000.00")
    type_into(eu, eu.locator("#id_eu_per_proposal_cap"), "1500000.00")
    type_into(eu, eu.locator("#id_jp_cap"), "300000000")
    type_into(eu, eu.locator("#id_jp_per_proposal_cap"), "60000000")
    portal.step(eu, "eu-call-form")
    press_button(eu, eu.locator("main form button[type=submit]"))
    call = Call.objects.get(identifier="EUJ-QST-2027-01")
    expect(eu.locator("h1")).to_have_text(CALL)
    # One deadline, shown in both zones: 17:00 in Brussels.
    expect(eu.locator("#deadline-heading + p .zone-brussels")).to_contain_text(
        deadline.strftime("%Y-%m-%d 17:00")
    )
    portal.step(eu, "eu-call-draft")
    eu.locator("a[href$='/approve-text/']").click()
    submit(eu)
    jp.goto(portal.url(f"/calls/{call.pk}/"))
    jp.locator("a[href$='/approve-text/']").click()
    portal.step(jp, "jp-call-approve-confirm")
    submit(jp)
    portal.step(jp, "jp-call-text-approved")
    jp.locator(f"a[href$='/calls/{call.pk}/transition/published/']").click()
    portal.step(jp, "jp-publish-confirm")
    submit(jp)
    expect(jp.locator(".alert-success")).to_be_visible()
    call.refresh_from_db()
    assert call.state in {CallState.PUBLISHED, CallState.OPEN}

    # 4. The worker opens the call (its opening time has passed); anyone can read it.
    visitor = portal.new_page()
    for _ in range(40):
        call.refresh_from_db()
        if call.state == CallState.OPEN:
            break
        visitor.wait_for_timeout(250)
    assert call.state == CallState.OPEN, "the Celery worker did not open the call"
    visitor.goto(portal.url("/calls/"))
    expect(visitor.get_by_role("link", name="EUJ-QST-2027-01")).to_be_visible()
    visitor.get_by_role("link", name="EUJ-QST-2027-01").click()
    expect(visitor.locator("h1")).to_have_text(CALL)
    expect(visitor.locator("main")).to_contain_text(TOPIC)
    expect(visitor.locator("main")).to_contain_text(re.compile(r"€7,000,000\.00"))
    expect(visitor.locator("main")).to_contain_text(re.compile(r"¥300,000,000"))
    portal.step(visitor, "public-call-open")
