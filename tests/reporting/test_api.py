"""REST API of reporting, per role and Side: hidden is 404, unmapped or forbidden is refused."""

import pytest
from rest_framework.test import APIClient

from reporting import services
from reporting.models import ExportJob
from tests.factories import make_user
from tests.reporting.helpers import make_selected_proposal

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("side", ["EU", "JP"])
def test_officers_list_and_read_projects_outsiders_get_404(project, side):
    officer = api(make_user(side, "officer"))
    listing = officer.get("/api/v1/projects/").json()
    assert [p["acronym"] for p in listing["results"]] == [project.acronym]
    assert {f["side"] for f in listing["results"][0]["fundings"]} == {"EU", "JP"}
    outsider = api(make_user(side, "researcher"))
    assert outsider.get("/api/v1/projects/").json()["results"] == []
    assert outsider.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    observer = api(make_user(side, "observer"))
    assert observer.get(f"/api/v1/projects/{project.pk}/").status_code == 404


def test_anonymous_is_refused(project):
    assert APIClient().get("/api/v1/projects/").status_code in (401, 403)


@pytest.mark.parametrize("side", ["EU", "JP"])
def test_officer_creates_a_project_researcher_cannot(side):
    proposal = make_selected_proposal()
    coordinator = api(proposal.members.first().user)
    payload = {"proposal": proposal.pk, "start_date": "2026-04-01", "duration_months": 36}
    assert coordinator.post("/api/v1/projects/", payload).status_code == 404
    response = api(make_user(side, "officer")).post("/api/v1/projects/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["end_date"] == "2029-03-31"
    again = api(make_user(side, "officer")).post("/api/v1/projects/", payload, format="json")
    assert again.status_code == 404  # no longer awaiting a project


def test_bad_project_payload_names_the_field(eu_officer):
    response = api(eu_officer).post("/api/v1/projects/", {"proposal": "x"}, format="json")
    assert response.status_code == 400 and {"proposal", "start_date"} <= set(response.json())


def test_coordinators_edit_and_submit_reports_through_the_api(report, authors, eu_officer):
    jp = api(authors["JP"])
    url = f"/api/v1/reports/{report.pk}/"
    response = jp.patch(url, {"lock_version": 0, "summary": "API progress"}, format="json")
    assert response.status_code == 200 and response.json()["lock_version"] == 1
    stale = api(authors["EU"]).patch(url, {"lock_version": 0, "summary": "old"}, format="json")
    assert stale.status_code == 409
    bad = jp.post(
        url + "activities/", {"kind": "exchange", "title": "Stay", "start_date": "2026-05-01"}, format="json"
    )
    assert bad.status_code == 400 and "direction" in bad.json()
    ok = jp.post(
        url + "results/", {"kind": "publication", "title": "Joint paper", "co_authored": True}, format="json"
    )
    assert ok.status_code == 201
    assert api(eu_officer).post(url + "submit/").status_code == 403
    assert (
        api(eu_officer).patch(url, {"lock_version": 1, "summary": "officer"}, format="json").status_code
        == 403
    )
    submitted = jp.post(url + "submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    assert jp.post(url + "submit/").status_code == 403
    detail = jp.get(url).json()
    assert detail["results"][0]["co_authored"] is True


@pytest.mark.parametrize("side", ["EU", "JP"])
def test_reports_of_another_consortium_are_404(report, side):
    outsider = api(make_user(side, "researcher"))
    assert outsider.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/reports/{report.pk}/submit/").status_code == 404


def test_each_side_assesses_once_and_researchers_cannot(report, authors, eu_officer, jp_officer):
    services.update_report(report, by=authors["EU"], summary="Progress")
    services.submit_report(report, by=authors["EU"])
    payload = {"report": report.pk, "rating": "on_track", "comments": "Good"}
    assert api(authors["JP"]).post("/api/v1/assessments/", payload).status_code == 403
    assert api(authors["JP"]).get("/api/v1/assessments/").json()["results"] == []
    assert api(eu_officer).post("/api/v1/assessments/", payload).status_code == 201
    assert api(make_user("EU", "officer")).post("/api/v1/assessments/", payload).status_code == 400
    response = api(jp_officer).post("/api/v1/assessments/", {**payload, "rating": "minor_issues"})
    assert response.status_code == 201 and response.json()["side"] == "JP"
    assert len(api(jp_officer).get("/api/v1/assessments/").json()["results"]) == 2
    bad = api(jp_officer).post("/api/v1/assessments/", {"report": report.pk, "rating": "great"})
    assert bad.status_code == 400 and {"rating", "comments"} <= set(bad.json())


def test_export_jobs_start_follow_and_download(eu_officer, jp_officer, eu_observer, monkeypatch):
    monkeypatch.setattr("reporting.tasks.run_export_task.delay", lambda job_id: None)
    client = api(eu_officer)
    response = client.post("/api/v1/exports/", {"kind": "csv", "language": "ja"}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    job_id = response.json()["id"]
    services.run_export(job_id)
    status = client.get(f"/api/v1/exports/{job_id}/").json()
    assert status["progress"] == 100 and status["download_url"]
    download = client.get(f"/api/v1/exports/{job_id}/download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    from tests.reporting.test_exports import close_file_response

    b"".join(download.streaming_content)
    close_file_response(download)
    assert api(jp_officer).get(f"/api/v1/exports/{job_id}/").status_code == 404
    assert api(jp_officer).get(f"/api/v1/exports/{job_id}/download/").status_code == 404
    observer = api(eu_observer)
    assert observer.post("/api/v1/exports/", {"kind": "xlsx"}, format="json").status_code == 403
    assert observer.post("/api/v1/exports/", {"kind": "jstcc"}, format="json").status_code == 202
    assert api(make_user("JP", "researcher")).post("/api/v1/exports/", {"kind": "council"}).status_code == 403
    assert ExportJob.objects.count() == 2


def test_unmapped_actions_are_refused(project, eu_officer):
    assert api(eu_officer).delete(f"/api/v1/projects/{project.pk}/").status_code in (403, 405)


def test_schema_describes_reporting(client_eu_officer):
    response = client_eu_officer.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/reports/{id}/submit/" in response.content
    assert b"/api/v1/exports/{id}/download/" in response.content
