import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from evaluation.models import FundingDecision
from loi_portal.models import AuditEntry, content_hash
from proposals.models import ConsortiumMember
from reporting import selectors, services
from reporting.enums import ReportKind, ReportState
from reporting.models import JointAssessment, ReportVersion
from tests.factories import make_user
from tests.reporting.helpers import make_project, make_selected_proposal

pytestmark = pytest.mark.django_db


def tiny_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Annex</p>").write_pdf()


def test_project_takes_each_sides_funding_from_its_decisions_and_gets_reporting_periods(eu_officer):
    proposal = make_selected_proposal()
    project = services.create_project(proposal, by=eu_officer, start_date=dt.date(2026, 4, 1))
    funding = {f.side.code: f.amount_minor for f in project.fundings.select_related("side")}
    assert funding == {"EU": 100_000_000, "JP": 50_000_000}
    assert project.end_date == dt.date(2029, 3, 31)
    reports = list(project.reports.order_by("number"))
    # 36 months in yearly cycles: three periodic reports and the final report of the plan.
    assert [r.kind for r in reports] == [ReportKind.PERIODIC] * 3 + [ReportKind.FINAL]
    assert (reports[0].period_start, reports[0].period_end) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert reports[2].period_end == dt.date(2029, 3, 31)
    assert reports[3].period_start == dt.date(2026, 4, 1)
    assert reports[0].due_at == dt.datetime(2027, 5, 30, 12, 0, tzinfo=dt.UTC)
    assert AuditEntry.objects.filter(action="project.create").exists()


def test_reporting_cycle_follows_the_plan_version(eu_officer):
    proposal = make_selected_proposal()
    plan = proposal.call.plan_version
    plan.reporting_cycle_months = 6
    plan.final_report = False
    plan.save()
    project = services.create_project(
        proposal, by=eu_officer, start_date=dt.date(2026, 1, 31), duration_months=18
    )
    periods = [(r.period_start, r.period_end) for r in project.reports.order_by("number")]
    assert periods == [
        (dt.date(2026, 1, 31), dt.date(2026, 7, 30)),
        (dt.date(2026, 7, 31), dt.date(2027, 1, 30)),
        (dt.date(2027, 1, 31), dt.date(2027, 7, 30)),
    ]


def test_project_needs_funding_decisions_of_both_sides(eu_officer):
    proposal = make_selected_proposal(funded=False)
    with pytest.raises(ValidationError, match="Both Sides"):
        services.create_project(proposal, by=eu_officer, start_date=dt.date(2026, 4, 1))
    jp_partner = proposal.partners.get(side__code="JP")
    FundingDecision.objects.create(
        call=proposal.call,
        proposal=proposal,
        partner=jp_partner,
        side=jp_partner.side,
        amount_minor=1,
        decided_by=eu_officer,
    )
    with pytest.raises(ValidationError, match="Both Sides"):
        services.create_project(proposal, by=eu_officer, start_date=dt.date(2026, 4, 1))


def test_only_a_selected_proposal_becomes_a_project_once(eu_officer):
    project = make_project(officer=eu_officer)
    with pytest.raises(ValidationError, match="already a project"):
        services.create_project(project.proposal, by=eu_officer, start_date=dt.date(2026, 4, 1))
    from tests.factories import make_proposal

    draft = make_proposal()
    with pytest.raises(ValidationError, match="selected"):
        services.create_project(draft, by=eu_officer, start_date=dt.date(2026, 4, 1))


@pytest.mark.parametrize("side_code", ["EU", "JP"])
def test_a_researcher_cannot_create_a_project(side_code):
    proposal = make_selected_proposal()
    with pytest.raises(ValidationError):
        services.create_project(
            proposal, by=make_user(side_code, "researcher"), start_date=dt.date(2026, 4, 1)
        )


def test_coordinators_of_both_sides_co_author_and_submission_freezes_a_version(report, authors):
    services.update_report(report, by=authors["EU"], summary="Joint progress", lock_version=0)
    services.add_result(report, by=authors["JP"], kind="publication", title="Joint paper", co_authored=True)
    services.add_activity(
        report,
        by=authors["JP"],
        kind="exchange",
        title="Stay in Delft",
        start_date=dt.date(2026, 5, 1),
        end_date=dt.date(2026, 5, 31),
        direction="jp_to_eu",
    )
    services.add_attachment(report, SimpleUploadedFile("annex.pdf", tiny_pdf()), by=authors["EU"])
    version = services.submit_report(report, by=authors["JP"])
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert version.version == 1
    assert version.snapshot["report"]["summary"] == "Joint progress"
    assert version.snapshot["results"][0]["co_authored"] is True
    assert version.snapshot["activities"][0]["duration_days"] == 31
    assert len(version.snapshot["attachments"]) == 1
    assert version.sha256 == content_hash(version.snapshot)
    # Frozen: nobody changes it any more.
    with pytest.raises(ValidationError):
        services.update_report(report, by=authors["EU"], summary="changed")
    with pytest.raises(ValidationError):
        services.add_result(report, by=authors["EU"], kind="dataset", title="late")
    assert ReportVersion.objects.get(pk=version.pk).snapshot["report"]["summary"] == "Joint progress"


def test_a_stale_edit_is_a_conflict(report, authors):
    from loi_portal.api.exceptions import Conflict

    services.update_report(report, by=authors["EU"], summary="first", lock_version=0)
    with pytest.raises(Conflict):
        services.update_report(report, by=authors["JP"], summary="second", lock_version=0)


@pytest.mark.parametrize("who", ["eu_officer", "jp_officer", "co_applicant", "outsider"])
def test_only_coordinators_edit_a_report(report, who, eu_officer, jp_officer, outsider):
    if who == "co_applicant":
        user = make_user("JP", "researcher")
        ConsortiumMember.objects.create(proposal=report.project.proposal, user=user, side=user.side)
    else:
        user = {"eu_officer": eu_officer, "jp_officer": jp_officer, "outsider": outsider}[who]
    with pytest.raises(ValidationError):
        services.update_report(report, by=user, summary="not mine")
    with pytest.raises(ValidationError):
        services.submit_report(report, by=user)


def test_patents_must_name_the_ip_rules_and_exchanges_their_direction(report, authors):
    with pytest.raises(ValidationError) as excinfo:
        services.add_result(report, by=authors["EU"], kind="patent", title="QKD device")
    assert "ip_rules" in excinfo.value.message_dict
    result = services.add_result(
        report,
        by=authors["EU"],
        kind="patent",
        title="QKD device",
        ip_rules="Horizon Europe Model Grant Agreement, Article 16 and Annex V",
    )
    assert result.ip_rules.startswith("Horizon Europe")
    with pytest.raises(ValidationError) as excinfo:
        services.add_activity(
            report, by=authors["EU"], kind="exchange", title="Stay", start_date=dt.date(2026, 5, 1)
        )
    assert {"direction", "end_date"} <= set(excinfo.value.message_dict)


def test_an_attachment_must_be_a_readable_pdf(report, authors):
    with pytest.raises(ValidationError) as excinfo:
        services.add_attachment(report, SimpleUploadedFile("x.pdf", b"MZ not a pdf"), by=authors["EU"])
    assert "file" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        services.add_attachment(report, SimpleUploadedFile("x.pdf", b"%PDF-1.7 broken"), by=authors["EU"])
    data = tiny_pdf()
    attachment = services.add_attachment(report, SimpleUploadedFile("ok.pdf", data), by=authors["EU"])
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()


def test_an_empty_report_cannot_be_submitted(report, authors):
    with pytest.raises(ValidationError) as excinfo:
        services.submit_report(report, by=authors["EU"])
    assert "summary" in excinfo.value.message_dict


def _submitted(report, authors):
    services.update_report(report, by=authors["EU"], summary="Progress")
    services.submit_report(report, by=authors["EU"])
    report.refresh_from_db()
    return report


def test_joint_assessment_is_recorded_when_both_sides_have_assessed(report, authors, eu_officer, jp_officer):
    report = _submitted(report, authors)
    services.assess_report(report, by=eu_officer, rating="on_track", comments="Fine")
    assert not JointAssessment.objects.exists()
    with pytest.raises(ValidationError):
        services.assess_report(report, by=make_user("EU", "officer"), rating="on_track", comments="Again")
    services.assess_report(report, by=jp_officer, rating="minor_issues", comments="Detectors late")
    joint = JointAssessment.objects.get(report=report)
    assert joint.rating == "minor_issues"
    report.refresh_from_db()
    assert report.state == ReportState.ASSESSED


def test_a_draft_cannot_be_assessed_nor_by_a_researcher(report, authors, eu_officer):
    with pytest.raises(ValidationError):
        services.assess_report(report, by=eu_officer, rating="on_track", comments="x")
    report = _submitted(report, authors)
    with pytest.raises(ValidationError):
        services.assess_report(report, by=authors["JP"], rating="on_track", comments="self-assessed")
    with pytest.raises(ValidationError) as excinfo:
        services.assess_report(report, by=eu_officer, rating="on_track", comments="  ")
    assert "comments" in excinfo.value.message_dict


def test_reports_due_between_lists_drafts_with_their_coordinators(project, authors):
    first = project.reports.order_by("number").first()
    due = list(
        selectors.reports_due_between(
            first.due_at - dt.timedelta(days=1), first.due_at + dt.timedelta(days=1)
        )
    )
    assert due == [first]
    assert {m.user for m in due[0].project.proposal.coordinators} == set(authors.values())
    _submitted(first, authors)
    assert not selectors.reports_due_between(
        first.due_at - dt.timedelta(days=1), first.due_at + dt.timedelta(days=1)
    )


def test_exchange_rate_is_recorded_by_officers_only(eu_officer, jp_researcher):
    rate = services.record_exchange_rate(rate_date=dt.date(2026, 3, 31), jpy_per_eur="160.5", by=eu_officer)
    rate.refresh_from_db()
    assert str(rate.jpy_per_eur) == "160.5000"
    services.record_exchange_rate(rate_date=dt.date(2026, 3, 31), jpy_per_eur="161", by=eu_officer)
    assert selectors.latest_exchange_rate().jpy_per_eur == 161
    with pytest.raises(ValidationError):
        services.record_exchange_rate(rate_date=dt.date(2026, 4, 1), jpy_per_eur="1", by=jp_researcher)


def test_created_projects_keep_timezone_aware_due_dates(project):
    assert all(timezone.is_aware(r.due_at) for r in project.reports.all())
