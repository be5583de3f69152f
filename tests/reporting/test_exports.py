"""The Council and JSTCC reports as PDF, the tables as CSV and Excel, export jobs and the command."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from calls.enums import CallState
from loi_portal import pdf as portal_pdf
from reporting import exports, services
from reporting.enums import ExportStatus
from reporting.models import ExportJob
from tests.factories import make_call, make_user
from tests.reporting.helpers import coordinators, make_project, make_public

pytestmark = pytest.mark.django_db

INJECTION_TITLE = '<img src="file:///etc/passwd"> <a href="https://evil.example.com/x">link</a> 量子もつれ'


@pytest.fixture
def report_data(eu_officer):
    """A public project whose title tries to make WeasyPrint fetch things, with a submitted report
    holding spreadsheet formulas, and a joint project that the Council may not see."""
    call = make_call(state=CallState.AWARDED, title="量子技術の共同公募")
    public = make_project(officer=eu_officer, call=call, title=INJECTION_TITLE, acronym="=SUM(A1)")
    make_public(public, by=eu_officer)
    authors = coordinators(public)
    report = public.reports.order_by("number").first()
    services.update_report(report, by=authors["EU"], summary="Progress")
    services.add_result(
        report, by=authors["JP"], kind="publication", title="@cmd|' /C calc'!A0", co_authored=True
    )
    services.add_activity(
        report,
        by=authors["EU"],
        kind="exchange",
        title="Stay in Tokyo",
        start_date=dt.date(2026, 6, 1),
        end_date=dt.date(2026, 6, 30),
        direction="eu_to_jp",
    )
    services.submit_report(report, by=authors["EU"])
    make_project(officer=eu_officer, call=call, title="Joint-only project Kagome", acronym="HIDDEN")
    services.record_exchange_rate(rate_date=dt.date(2026, 3, 31), jpy_per_eur="160", by=eu_officer)
    return public


def close_file_response(response):
    """Close a streamed file without letting request_finished close the test's DB connection."""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font") or {}
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.fixture
def refused(monkeypatch):
    """Every URL the PDF fetcher refuses, across renders."""
    seen: list[str] = []
    original = portal_pdf.PortalURLFetcher.fetch

    def spy(self, url, headers=None):
        try:
            return original(self, url, headers)
        except ValueError:
            seen.append(url)
            raise

    monkeypatch.setattr(portal_pdf.PortalURLFetcher, "fetch", spy)
    return seen


@pytest.mark.parametrize("kind", ["council", "jstcc"])
@pytest.mark.parametrize("language", ["en", "ja"])
def test_reports_render_with_page_numbers_label_and_embedded_japanese_font(
    report_data, kind, language, refused
):
    text, reader = pdf_text(services.build_export(kind, language=language))
    pages = len(reader.pages)
    assert pages >= 5
    assert f"1 / {pages}" in text and f"{pages} / {pages}" in text
    labels = {
        "en": {"council": "Sensitivity: Public", "jstcc": "Sensitivity: Joint (both Sides' officers)"},
        "ja": {"council": "機密区分: 公開", "jstcc": "機密区分: 共同（双方のプログラムオフィサー）"},
    }
    assert labels[language][kind] in text
    assert "量子技術の共同公募" in text  # Japanese text of the call comes out as text
    assert "量子もつれ" in text
    if language == "ja":
        assert "年" in text  # dates in the Japanese format
    assert any(name.endswith("+IPAexGothic") for name in font_names(reader))
    # The title's markup is text: nothing was fetched, not even asked for.
    flat = "".join(text.split())
    assert '<imgsrc="file:///etc/passwd">' in flat
    assert '<ahref="https://evil.example.com/x">link</a>' in flat
    assert not any("/Annots" in page for page in reader.pages)  # no live link to the other host
    assert not any("passwd" in url or "evil.example.com" in url for url in refused)
    assert "root:x:0:0" not in text


def test_council_report_shows_only_public_projects_jstcc_also_joint_ones(report_data):
    council, _reader = pdf_text(services.build_export("council", language="en"))
    jstcc, _reader = pdf_text(services.build_export("jstcc", language="en"))
    assert "量子もつれ" in council and "Kagome" not in council
    assert "1 further project is counted" in council
    assert "Kagome" in jstcc
    # Combined figures name their reference rate and its date.
    assert "1 EUR = 160" in council
    assert "JPY of March 31, 2026" in " ".join(council.split())


def test_council_report_never_contains_scores(report_data):
    text, _reader = pdf_text(services.build_export("jstcc", language="en"))
    assert "score" not in text.lower()


def test_csv_neutralises_formulas_and_escapes_quotes(report_data):
    data = services.build_export("csv", language="en").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    cells = [cell for row in rows for cell in row]
    assert "'=SUM(A1)" in cells
    assert INJECTION_TITLE in cells  # quotes survive CSV quoting intact
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_neutralise_prefixes_dangerous_cells(value):
    assert exports.neutralise(value) == "'" + value
    assert exports.neutralise("safe =1") == "safe =1"
    assert exports.neutralise(5) == 5


def test_xlsx_cells_are_text_not_formulas(report_data):
    workbook = load_workbook(io.BytesIO(services.build_export("xlsx", language="en")))
    values = [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert "'=SUM(A1)" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)


def test_export_job_runs_once_and_is_safe_to_run_twice(
    eu_officer, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("reporting.tasks.run_export_task.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_export("csv", by=eu_officer, language="ja")
    assert queued == [job.pk]
    from reporting.tasks import run_export_task

    run_export_task.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress) == (ExportStatus.FINISHED, 100)
    first_file, first_finished = job.file.name, job.finished_at
    run_export_task.run(job.pk)
    job.refresh_from_db()
    assert (job.file.name, job.finished_at) == (first_file, first_finished)
    assert job.requested_by == eu_officer and job.created_at


def test_a_failing_export_records_its_error(eu_officer, monkeypatch):
    job = ExportJob.objects.create(kind="council", language="en", requested_by=eu_officer)

    def explode(*args, **kwargs):
        raise RuntimeError("WeasyPrint exploded")

    monkeypatch.setattr("reporting.services.build_export", explode)
    services.run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "exploded" in job.error


def test_observers_export_pdfs_only(eu_observer):
    from django.core.exceptions import ValidationError

    assert services.start_export("council", by=eu_observer).kind == "council"
    with pytest.raises(ValidationError):
        services.start_export("csv", by=eu_observer)
    with pytest.raises(ValidationError):
        services.start_export("council", by=make_user("EU", "researcher"))


def test_progress_status_and_download_in_the_browser(client_for, eu_officer, jp_officer, monkeypatch):
    monkeypatch.setattr("reporting.tasks.run_export_task.delay", lambda job_id: None)
    client = client_for(eu_officer)
    response = client.post(reverse("reporting:exports"), {"kind": "csv", "language": "en"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and f"job={job.pk}" in response["Location"]
    page = client.get(response["Location"])
    assert b"reporting-exports.js" in page.content and b"<progress" in page.content
    status = client.get(reverse("reporting:export-status", args=[job.pk])).json()
    assert (status["status"], status["progress"], status["download_url"]) == ("queued", 0, None)
    services.run_export(job.pk)
    status = client.get(reverse("reporting:export-status", args=[job.pk])).json()
    assert status["progress"] == 100 and status["download_url"]
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).decode("utf-8-sig").startswith("Calls")
    close_file_response(download)
    # The other Side's officer cannot see nor download someone else's file.
    other = client_for(jp_officer)
    assert other.get(reverse("reporting:export-status", args=[job.pk])).status_code == 404
    assert other.get(status["download_url"]).status_code == 404


def test_export_report_command_writes_the_pdf(report_data, tmp_path):
    output = tmp_path / "report.pdf"
    call_command("export_report", "jstcc", "--language", "ja", "--output", str(output), stdout=io.StringIO())
    text, _reader = pdf_text(output.read_bytes())
    assert "量子もつれ" in text


def test_export_report_command_writes_the_council_report_in_english(report_data, tmp_path):
    output = tmp_path / "council.pdf"
    stdout = io.StringIO()
    call_command("export_report", "council", "--output", str(output), stdout=stdout)
    data = output.read_bytes()
    assert f"Wrote {len(data)} bytes to {output}" in stdout.getvalue()
    text, _reader = pdf_text(data)
    assert "Report to the Japan–EU Digital Partnership Council" in " ".join(text.split())
    assert "Sensitivity: Public" in text
    # The Council sees the public project only, not the joint one.
    assert "量子もつれ" in text and "Kagome" not in text
