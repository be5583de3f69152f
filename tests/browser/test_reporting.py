"""Journey 4: the coordinators of both Sides write and submit a periodic report of their project; an
officer exports the report to the Digital Partnership Council, watches the progress bar move as the
real Celery worker makes the PDF, and downloads it."""

import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from calls.enums import CallState
from reporting.enums import ReportState
from tests.browser.accessibility import (
    choose_value_with_keyboard,
    choose_with_keyboard,
    press_button,
    tab_to,
    type_into,
)
from tests.factories import make_call, make_user
from tests.reporting.helpers import make_project, make_public

pytestmark = pytest.mark.browser


def submit_form(page: Page, button) -> None:
    with page.expect_navigation():
        button.click()


def add_activity_with_keyboard(page: Page) -> None:
    """The JP coordinator records a researcher exchange with the keyboard only."""
    form = page.locator("form:has(input[name=action][value=activity])")
    choose_with_keyboard(page, form.locator("select[name=activity-kind]"), "Researcher exchange")
    type_into(page, form.locator("input[name=activity-title]"), "Three months at the EU partner's laboratory")
    start = form.locator("input[name=activity-start_date]")
    tab_to(page, start)
    # A date input takes digits in its locale's order of day and month: the same day and month
    # number makes these dates type the same in either order.
    page.keyboard.type("05052026")
    tab_to(page, form.locator("input[name=activity-end_date]"))
    page.keyboard.type("07072026")
    expect(start).to_have_value("2026-05-05")
    choose_with_keyboard(page, form.locator("select[name=activity-direction]"), "Japan → EU")
    type_into(page, form.locator("input[name=activity-researcher]"), "Dr. Haruka Mori")
    tab_to(page, form.locator("button[type=submit]"))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def watch_progress(page: Page, row) -> list[int]:
    """The values the progress bar shows until the download link appears (the page is not reloaded)."""
    seen: list[int] = []
    link = row.locator(".export-download a")
    for _ in range(600):
        done = link.count() > 0
        value = int(float(row.locator("progress").get_attribute("value") or 0))
        if not seen or seen[-1] != value:
            seen.append(value)
        if done:
            break
        page.wait_for_timeout(100)
    return seen


def test_coordinators_report_and_officer_exports_council_pdf(portal, tmp_path):
    officer = make_user("EU", "officer", username="eu_officer")
    eu_coordinator = make_user("EU", "researcher", username="eu_coordinator")
    jp_coordinator = make_user("JP", "researcher", username="jp_coordinator")
    call = make_call(state=CallState.AWARDED, title="Quantum technologies for resilient societies")
    project = make_project(
        officer=officer,
        call=call,
        coordinator=eu_coordinator,
        jp_coordinator=jp_coordinator,
        acronym="QUAKE",
        title="Quantum gravimeter networks for earthquake early warning",
    )
    make_public(project, by=officer)
    report = project.reports.order_by("number").first()

    # 1. The EU coordinator writes the summary and adds a co-authored publication.
    eu = portal.page_for("eu_coordinator")
    eu.locator("nav").get_by_role("link", name="Projects").click()
    eu.get_by_role("link", name=re.compile("QUAKE")).click()
    portal.step(eu, "eu-coordinator-project")
    eu.locator(f"a[href$='/reporting/reports/{report.pk}/']").click()
    eu.locator(f"a[href$='/reporting/reports/{report.pk}/edit/']").first.click()
    portal.step(eu, "eu-coordinator-report-edit")
    eu.locator("#id_text-summary").fill(
        "The first gravimeter link between Kamioka and Modane measures tides."
    )
    eu.locator("#id_text-deviations").fill("None.")
    eu.locator("#id_text-next_steps").fill("Connect the third station.")
    submit_form(eu, eu.locator("form:has(input[name=action][value=text]) button[type=submit]"))
    expect(eu.locator(".alert-success")).to_be_visible()
    result = eu.locator("form:has(input[name=action][value=result])")
    result.locator("select[name=result-kind]").select_option("publication")
    result.locator("input[name=result-title]").fill("Entangled gravimetry across two continents")
    result.locator("input[name=result-authors]").fill("A. de Vries, H. Mori, K. Sato")
    result.locator("input[name=result-reference]").fill("10.1000/quake.2026.1")
    result.locator("input[name=result-year]").fill("2026")
    result.locator("input[name=result-co_authored]").check()
    submit_form(eu, result.locator("button[type=submit]"))
    expect(eu.locator("main")).to_contain_text("Entangled gravimetry across two continents")
    portal.step(eu, "eu-coordinator-result-added")

    # 2. The JP coordinator adds the exchange (keyboard only) and submits the report.
    jp = portal.page_for("jp_coordinator")
    jp.goto(portal.url(f"/reporting/reports/{report.pk}/edit/"))
    expect(jp.locator("#id_text-summary")).to_have_value(re.compile("Kamioka and Modane"))
    add_activity_with_keyboard(jp)
    expect(jp.locator("main")).to_contain_text("Three months at the EU partner's laboratory")
    portal.step(jp, "jp-coordinator-activity-added")
    jp.locator(f"a[href$='/reporting/reports/{report.pk}/submit/']").click()
    portal.step(jp, "jp-coordinator-submit-confirm")
    submit_form(jp, jp.locator("main form button[type=submit]"))
    expect(jp.locator(".alert-success")).to_contain_text("SHA-256")
    portal.step(jp, "jp-coordinator-report-submitted")
    report.refresh_from_db()
    assert report.state != ReportState.DRAFT and report.submitted_version == 1

    # 3. The officer exports the Council report (keyboard only) and follows the worker on the
    # progress bar.
    page = portal.page_for("eu_officer")
    page.locator("nav").get_by_role("link", name="Exports").click()
    portal.step(page, "officer-exports")
    choose_value_with_keyboard(page, page.locator("#id_kind"), "council")
    choose_value_with_keyboard(page, page.locator("#id_language"), "en")
    # The worker makes this PDF in about a second: held back until the page shows the queued job.
    portal.pause_worker()
    try:
        press_button(page, page.locator("main form button[type=submit]"))
        page.wait_for_url(re.compile(r"/reporting/exports/\?job=\d+"))
        row = page.locator("tr.export-job").first
        expect(row.locator("progress")).to_have_attribute("value", "0")
        expect(row.locator(".export-download a")).to_have_count(0)
        portal.step(page, "officer-export-queued")
    finally:
        portal.resume_worker()
    seen = watch_progress(page, row)
    assert seen[0] < 100 and seen[-1] == 100, f"the progress bar showed {seen}"
    expect(row.locator(".export-status")).to_have_text("Finished")
    portal.step(page, "officer-export-ready")
    tab_to(page, row.locator(".export-download a"))
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".pdf" and saved.read_bytes().startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(saved).pages)
    assert "QUAKE" in text
