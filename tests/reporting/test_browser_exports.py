"""Journey: an officer starts exports in the browser, watches the progress bar move as the real
Celery worker makes the file, then downloads it; the dashboard's charts render as SVG."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from calls.enums import CallState
from tests.browser.conftest import (  # noqa: F401 - fixtures of the browser journeys, reused here
    _migration_data_kept,
    browser,
    browser_media_root,
    celery_worker,
    portal,
)
from tests.factories import make_call, make_user
from tests.reporting.helpers import make_project, make_public

pytestmark = pytest.mark.browser


def test_officer_exports_with_progress_bar_and_download(portal, tmp_path):  # noqa: F811 - the fixture
    officer = make_user("EU", "officer", username="export_officer")
    call = make_call(state=CallState.AWARDED, title="量子技術の共同公募")
    project = make_project(officer=officer, call=call, acronym="=CMD()")
    make_public(project, by=officer)

    page = portal.page_for("export_officer")
    page.goto(portal.url("/reporting/monitoring/"))
    expect(page.locator("main svg.chart").first).to_be_visible()
    portal.step(page, "monitoring")

    for kind, language, suffix in (("csv", "en", ".csv"), ("council", "ja", ".pdf")):
        page.goto(portal.url("/reporting/exports/"))
        page.locator("#id_kind").select_option(kind)
        page.locator("#id_language").select_option(language)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/reporting/exports/\?job=\d+"))
        row = page.locator("tr.export-job").first
        expect(row.locator("progress")).to_be_visible()
        portal.step(page, f"{kind}-started")
        link = row.locator(".export-download a")
        expect(link).to_be_visible(timeout=60_000)  # the script follows the worker, no reload
        expect(row.locator("progress")).to_have_attribute("value", "100")
        portal.step(page, f"{kind}-ready")
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert download.suggested_filename.endswith(suffix)
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        if kind == "csv":
            cells = [c for row_ in csv.reader(io.StringIO(saved.read_text("utf-8-sig"))) for c in row_]
            assert "'=CMD()" in cells
        else:
            text = "".join(p.extract_text() for p in PdfReader(saved).pages)
            assert "量子技術の共同公募" in text
