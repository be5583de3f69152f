"""The browser pages of reporting, per role and Side; hidden things are 404."""

import datetime as dt

import pytest
from django.urls import reverse

from reporting import services
from reporting.enums import ReportState
from tests.factories import make_user
from tests.reporting.helpers import make_project, make_selected_proposal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [1, 5])
def test_project_list_query_count_does_not_grow(client_eu_officer, eu_officer, n, django_assert_num_queries):
    for _ in range(n):
        make_project(officer=eu_officer)
    client_eu_officer.get(reverse("reporting:projects"))  # warm the per-process caches (content types)
    with django_assert_num_queries(9):
        response = client_eu_officer.get(reverse("reporting:projects"))
    assert response.status_code == 200
    assert response.content.count(b'href="/reporting/projects/') >= n


@pytest.mark.parametrize("side", ["EU", "JP"])
def test_officers_of_both_sides_see_every_project(client_for, project, side):
    client = client_for(make_user(side, "officer"))
    assert project.acronym.encode() in client.get(reverse("reporting:projects")).content
    assert client.get(reverse("reporting:project", args=[project.pk])).status_code == 200


def test_coordinators_see_their_project_and_an_outsider_of_either_side_gets_404(client_for, project, authors):
    for user in authors.values():
        assert client_for(user).get(reverse("reporting:project", args=[project.pk])).status_code == 200
    for side in ("EU", "JP"):
        outsider = client_for(make_user(side, "researcher"))
        assert outsider.get(reverse("reporting:project", args=[project.pk])).status_code == 404
        assert project.acronym.encode() not in outsider.get(reverse("reporting:projects")).content
        report = project.reports.first()
        assert outsider.get(reverse("reporting:report", args=[report.pk])).status_code == 404
        assert outsider.get(reverse("reporting:report-edit", args=[report.pk])).status_code == 404


@pytest.mark.parametrize("side", ["EU", "JP"])
def test_observers_read_aggregates_not_projects(client_for, project, side):
    client = client_for(make_user(side, "observer"))
    assert client.get(reverse("reporting:project", args=[project.pk])).status_code == 404
    assert client.get(reverse("reporting:projects")).status_code == 403
    response = client.get(reverse("reporting:monitoring"))
    assert response.status_code == 200
    assert b"<svg" in response.content
    assert b"Record a reference exchange rate" not in response.content
    assert (
        client.post(
            reverse("reporting:monitoring"), {"rate_date": "2026-01-01", "jpy_per_eur": "1"}
        ).status_code
        == 403
    )


def test_researchers_do_not_see_the_dashboard(client_eu_researcher):
    assert client_eu_researcher.get(reverse("reporting:monitoring")).status_code == 403
    assert client_eu_researcher.get(reverse("reporting:exports")).status_code == 403


def test_officer_creates_a_project_from_a_selected_proposal(client_jp_officer):
    proposal = make_selected_proposal()
    listing = client_jp_officer.get(reverse("reporting:projects"))
    assert reverse("reporting:project-create", args=[proposal.pk]).encode() in listing.content
    url = reverse("reporting:project-create", args=[proposal.pk])
    bad = client_jp_officer.post(url, {"start_date": "2026-04-01", "duration_months": "500"})
    assert bad.status_code == 200 and b"2026-04-01" in bad.content  # value kept, error shown
    response = client_jp_officer.post(url, {"start_date": "2026-04-01", "duration_months": "36"})
    assert response.status_code == 302
    assert proposal.project.duration_months == 36


def test_a_researcher_cannot_open_project_creation(client_for):
    proposal = make_selected_proposal()
    client = client_for(proposal.members.first().user)
    assert client.get(reverse("reporting:project-create", args=[proposal.pk])).status_code == 404


def test_coordinator_edits_adds_items_and_submits_after_confirmation(client_for, report, authors):
    client = client_for(authors["JP"])
    edit = reverse("reporting:report-edit", args=[report.pk])
    response = client.post(
        edit,
        {
            "action": "text",
            "text-lock_version": "0",
            "text-summary": "Joint work",
            "text-deviations": "",
            "text-next_steps": "",
        },
    )
    assert response.status_code == 302
    response = client.post(
        edit,
        {
            "action": "activity",
            "activity-kind": "exchange",
            "activity-title": "Stay",
            "activity-start_date": "2026-05-01",
        },
    )
    assert response.status_code == 200
    assert b"Say whether the researcher went" in response.content
    assert b'value="Stay"' in response.content  # the form kept the values
    client.post(
        edit,
        {
            "action": "result",
            "result-kind": "publication",
            "result-title": "Joint paper",
            "result-co_authored": "on",
        },
    )
    assert report.results.get().co_authored
    confirm = client.get(reverse("reporting:report-submit", args=[report.pk]))
    assert b"freezes" in confirm.content
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT
    assert client.post(reverse("reporting:report-submit", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert client.get(edit).status_code == 403


def test_stale_edit_on_the_page_says_so(client_for, report, authors):
    services.update_report(report, by=authors["EU"], summary="first")
    client = client_for(authors["JP"])
    response = client.post(
        reverse("reporting:report-edit", args=[report.pk]),
        {
            "action": "text",
            "text-lock_version": "0",
            "text-summary": "mine",
            "text-deviations": "",
            "text-next_steps": "",
        },
    )
    assert response.status_code == 200 and b"changed this report meanwhile" in response.content


def test_officers_assess_and_the_joint_assessment_shows(client_for, report, authors, eu_officer, jp_officer):
    services.update_report(report, by=authors["EU"], summary="Progress")
    services.submit_report(report, by=authors["EU"])
    coordinator = client_for(authors["EU"])
    assert coordinator.get(reverse("reporting:report-assess", args=[report.pk])).status_code == 403
    for officer, rating in ((eu_officer, "on_track"), (jp_officer, "major_issues")):
        client = client_for(officer)
        missing = client.post(reverse("reporting:report-assess", args=[report.pk]), {"rating": rating})
        assert missing.status_code == 200 and b"invalid-feedback" in missing.content
        response = client.post(
            reverse("reporting:report-assess", args=[report.pk]), {"rating": rating, "comments": "ok"}
        )
        assert response.status_code == 302
        assert client.get(reverse("reporting:report-assess", args=[report.pk])).status_code == 403
    page = coordinator.get(reverse("reporting:report", args=[report.pk]))
    assert b"Major issues" in page.content
    assert b"Assessments</h2>" not in page.content  # the Sides' own assessments are for officers


def test_officer_records_an_exchange_rate_on_the_dashboard(client_eu_officer):
    response = client_eu_officer.post(
        reverse("reporting:monitoring"), {"rate_date": "2026-03-31", "jpy_per_eur": "161.25", "source": "ECB"}
    )
    assert response.status_code == 302
    page = client_eu_officer.get(reverse("reporting:monitoring"))
    assert b"1 EUR = 161.25" in page.content or b"161.2500" in page.content
    # The combined figure names the day of the rate it used.
    assert b"JPY of 2026-03-31 (ECB)" in page.content


def test_pages_have_no_inline_script_or_style(client_eu_officer, project):
    for url in (
        reverse("reporting:projects"),
        reverse("reporting:project", args=[project.pk]),
        reverse("reporting:monitoring"),
        reverse("reporting:exports"),
    ):
        content = client_eu_officer.get(url).content.decode()
        assert "style=" not in content
        assert "<script>" not in content


def test_nav_and_dashboard_slots_link_reporting(client_eu_officer):
    page = client_eu_officer.get(reverse("dashboard")).content.decode()
    assert reverse("reporting:monitoring") in page and reverse("reporting:projects") in page


def test_dates_are_sane(project):
    assert project.start_date == dt.date(2026, 4, 1)
