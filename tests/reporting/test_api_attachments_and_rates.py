"""REST API of reporting, continued: removing results and activities of a draft report, report
attachments (upload checked by content, download, removal) and the reference exchange rates."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from reporting import services
from reporting.models import ExchangeRate, ReportAttachment
from tests.factories import make_user
from tests.proposals import pdfs

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _pdf(content=None, name="minutes.pdf"):
    return SimpleUploadedFile(name, content or pdfs.good_pdf(), content_type="application/pdf")


@pytest.mark.parametrize("side", ["EU", "JP"])
def test_a_coordinator_removes_a_result_and_an_activity_of_the_draft(report, authors, side):
    result = services.add_result(report, by=authors["EU"], kind="dataset", title="Shared data")
    activity = services.add_activity(
        report, by=authors["JP"], kind="meeting", title="Kick-off", start_date=dt.date(2026, 4, 1)
    )
    coordinator = api(authors[side])
    base = f"/api/v1/reports/{report.pk}/"
    assert coordinator.delete(f"{base}results/{result.pk}/").status_code == 204
    assert coordinator.delete(f"{base}activities/{activity.pk}/").status_code == 204
    detail = coordinator.get(base).json()
    assert detail["results"] == [] and detail["activities"] == []
    # Gone is gone: a second removal is a 404, not a 500.
    assert coordinator.delete(f"{base}results/{result.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["eu_officer", "jp_officer", "outsider"])
def test_nobody_but_the_coordinators_removes_what_they_wrote(report, authors, who, request):
    result = services.add_result(report, by=authors["EU"], kind="dataset", title="Shared data")
    response = api(request.getfixturevalue(who)).delete(f"/api/v1/reports/{report.pk}/results/{result.pk}/")
    assert response.status_code in (403, 404)
    assert report.results.filter(pk=result.pk).exists()


def test_a_result_of_another_report_cannot_be_removed_through_this_one(project, authors):
    first, second = project.reports.order_by("number")[:2]
    result = services.add_result(second, by=authors["EU"], kind="dataset", title="Second period")
    response = api(authors["EU"]).delete(f"/api/v1/reports/{first.pk}/results/{result.pk}/")
    assert response.status_code == 404
    assert second.results.filter(pk=result.pk).exists()


def test_a_coordinator_uploads_downloads_and_removes_an_attachment(report, authors):
    jp = api(authors["JP"])
    created = jp.post(
        "/api/v1/report-attachments/", {"report": report.pk, "file": _pdf()}, format="multipart"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["original_name"] == "minutes.pdf" and len(body["sha256"]) == 64
    download = api(authors["EU"]).get(body["download_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    listed = api(authors["EU"]).get("/api/v1/report-attachments/", {"report": report.pk}).json()
    assert [a["id"] for a in listed["results"]] == [body["id"]]

    assert jp.delete(f"/api/v1/report-attachments/{body['id']}/").status_code == 204
    assert jp.get("/api/v1/report-attachments/").json()["results"] == []
    # Hidden, not deleted: the versions that froze it keep their file.
    assert ReportAttachment.objects.get(pk=body["id"]).removed_at is not None


@pytest.mark.parametrize(
    "content", [pdfs.html_named_pdf(), pdfs.pdf_with_javascript(), pdfs.encrypted_pdf(), pdfs.broken_pdf()]
)
def test_an_attachment_that_is_not_a_clean_pdf_is_a_400_naming_the_file(report, authors, content):
    response = api(authors["EU"]).post(
        "/api/v1/report-attachments/", {"report": report.pk, "file": _pdf(content)}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()
    assert not ReportAttachment.objects.exists()


def test_an_outsider_cannot_upload_to_or_see_the_attachments_of_a_report(report, authors, outsider):
    services.add_attachment(report, _pdf(), by=authors["EU"])
    stranger = api(outsider)
    response = stranger.post(
        "/api/v1/report-attachments/", {"report": report.pk, "file": _pdf()}, format="multipart"
    )
    assert response.status_code == 400 and "report" in response.json()  # no such report, for them
    assert stranger.get("/api/v1/report-attachments/").json()["results"] == []
    attachment = ReportAttachment.objects.get()
    assert stranger.get(f"/api/v1/report-attachments/{attachment.pk}/download/").status_code == 404
    # Officers of both Sides read the report and its attachments but do not write it.
    for side in ("EU", "JP"):
        officer = api(make_user(side, "officer"))
        assert officer.get(f"/api/v1/report-attachments/{attachment.pk}/").status_code == 200
        assert officer.delete(f"/api/v1/report-attachments/{attachment.pk}/").status_code == 403


@pytest.mark.parametrize("side", ["EU", "JP"])
def test_officers_record_and_correct_a_reference_rate_observers_read_it(side):
    officer = api(make_user(side, "officer"))
    first = officer.post("/api/v1/exchange-rates/", {"rate_date": "2026-03-31", "jpy_per_eur": "160.5"})
    assert first.status_code == 201, first.content
    corrected = officer.post("/api/v1/exchange-rates/", {"rate_date": "2026-03-31", "jpy_per_eur": "161"})
    assert corrected.status_code == 201
    assert ExchangeRate.objects.get().jpy_per_eur == 161
    observer = api(make_user("JP" if side == "EU" else "EU", "observer"))
    rates = observer.get("/api/v1/exchange-rates/").json()["results"]
    assert [(r["rate_date"], r["jpy_per_eur"]) for r in rates] == [("2026-03-31", "161.0000")]
    assert (
        observer.post("/api/v1/exchange-rates/", {"rate_date": "2026-04-01", "jpy_per_eur": "1"}).status_code
        == 403
    )


@pytest.mark.parametrize("role", ["researcher", "evaluator", "expert"])
def test_other_roles_neither_read_nor_record_rates(role):
    services.record_exchange_rate(rate_date=dt.date(2026, 3, 31), jpy_per_eur="160", by=None)
    user = api(make_user("EU", role))
    assert user.get("/api/v1/exchange-rates/").status_code == 403
    assert (
        user.post("/api/v1/exchange-rates/", {"rate_date": "2026-04-01", "jpy_per_eur": "1"}).status_code
        == 403
    )


def test_a_bad_rate_is_a_400_naming_the_field():
    officer = api(make_user("EU", "officer"))
    response = officer.post("/api/v1/exchange-rates/", {"rate_date": "31/03/2026", "jpy_per_eur": "-1"})
    assert response.status_code == 400
    assert {"rate_date", "jpy_per_eur"} <= set(response.json())
