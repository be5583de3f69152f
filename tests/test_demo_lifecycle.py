"""`seed_demo` gives every demo role something real across the whole lifecycle: a past call evaluated,
selected and funded, a project reporting, and the pages of each role showing them."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from calls.enums import CallState
from calls.models import Call
from evaluation.enums import AssignmentState, ReviewState, SelectionOutcome
from evaluation.models import Assignment, CallEvaluation, FundingDecision, SelectionList
from loi_portal.models import User
from proposals.enums import ProposalState
from proposals.models import Proposal
from reporting.enums import ExchangeDirection, ReportState
from reporting.models import Assessment, ExchangeRate, PeriodicReport, Project

PAST_CALL = "EUJ-QST-2025-01"


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    return Call.objects.get(identifier=PAST_CALL)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _get(username: str, url: str) -> str:
    response = _client(username).get(url)
    assert response.status_code == 200, (username, url, response.status_code)
    return response.content.decode()


def _counts() -> dict:
    skipped = {"loi_portal.AuditEntry", "sessions.Session"}
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.label not in skipped}


def test_the_past_call_went_through_evaluation_selection_and_funding(seeded):
    call = seeded
    assert call.state == CallState.AWARDED
    assert call.deadline < timezone.now()
    proposals = list(Proposal.objects.filter(call=call))
    assert 5 <= len(proposals) <= 6
    for proposal in proposals:
        submission = proposal.submissions.get()
        assert submission.submitted_at < call.deadline
        assert len(submission.sha256) == 64
        assert {p["side"] for p in submission.snapshot["partners"]} == {"EU", "JP"}
    assert all(ev.released_at for ev in CallEvaluation.objects.filter(call=call))
    assignments = Assignment.objects.filter(evaluation__proposal__call=call)
    assert set(assignments.values_list("state", flat=True)) == {AssignmentState.ACTIVE}
    assert set(assignments.values_list("review__state", flat=True)) == {ReviewState.SUBMITTED}
    assert {a.evaluator.username for a in assignments.select_related("evaluator")} == {
        f"{side}_evaluator{i}" for side in ("eu", "jp") for i in (1, 2, 3)
    }
    selection = SelectionList.objects.get(call=call)
    assert selection.effective_hash
    outcomes = list(selection.entries.values_list("outcome", flat=True))
    assert 2 <= outcomes.count(SelectionOutcome.SELECTED) <= 3
    assert outcomes.count(SelectionOutcome.RESERVE) == 1
    selected = Proposal.objects.filter(call=call, state=ProposalState.SELECTED)
    funded = FundingDecision.objects.filter(call=call)
    assert set(funded.values_list("proposal", flat=True)) == set(selected.values_list("pk", flat=True))
    for budget in call.budgets.all():
        assert sum(funded.filter(side=budget.side).values_list("amount_minor", flat=True)) <= budget.cap_minor


def test_the_funded_project_has_a_submitted_report_assessed_by_the_eu(seeded):
    project = Project.objects.get(proposal__call=seeded)
    report = project.reports.order_by("number").first()
    assert report.state == ReportState.SUBMITTED
    assert report.results.filter(co_authored=True).count() >= 2
    assert report.activities.filter(direction=ExchangeDirection.JP_TO_EU).exists()
    assert list(Assessment.objects.filter(report=report).values_list("side__code", flat=True)) == ["EU"]
    assert ExchangeRate.objects.exists()


def test_every_demo_role_sees_the_demo_objects_on_its_main_pages(seeded):
    call = seeded
    eu_eval = CallEvaluation.objects.get(call=call, side__code="EU")
    jp_eval = CallEvaluation.objects.get(call=call, side__code="JP")
    page = _get("eu_evaluator1", reverse("evaluation:home"))
    assert "QUANTA-NET" in page and "QGRAV" in page
    page = _get("jp_evaluator2", reverse("evaluation:home"))
    assert "QCLOCK" in page
    page = _get("eu_officer", reverse("evaluation:ranking", args=[eu_eval.pk]))
    assert "QUANTA-NET" in page and "QBATT" in page
    page = _get("eu_officer", reverse("evaluation:ranking", args=[jp_eval.pk]))  # released by Japan
    assert "QGRAV" in page
    page = _get("eu_officer", reverse("evaluation:selection", args=[call.pk]))
    assert "QSAFE-GRID" in page and "QCLOCK" in page
    page = _get("jp_officer", reverse("evaluation:funding", args=[call.pk]))
    assert "QUANTA-NET" in page and "¥55,000,000" in page
    quanta = Proposal.objects.get(call=call, acronym="QUANTA-NET")
    page = _get("eu_researcher", reverse("proposals:detail", args=[quanta.pk]))
    assert reverse("evaluation:summary", args=[quanta.pk]) in page
    page = _get("eu_researcher", reverse("evaluation:summary", args=[quanta.pk]))
    assert "QUANTA-NET" in page
    assert "An excellent proposal with a credible plan" in page and "非常に優れた提案" in page
    page = _get("jp_researcher", reverse("evaluation:summary", args=[quanta.pk]))
    assert "QUANTA-NET" in page
    page = _get("jp_observer", reverse("reporting:monitoring"))
    assert PAST_CALL in page
    assert '<div class="fs-3">6</div>' in page  # proposals received
    assert '<div class="fs-3">2 / 2</div>' in page  # co-authored publications
    assert '<div class="fs-3">0 / 1</div>' in page  # exchanges EU → Japan / Japan → EU
    # Committed funding per Side: every funding decision of the awarded past call, whether or not a
    # project was made of the proposal yet (the demo makes one project of the selected proposals).
    assert "€3,400,000.00" in page and "¥153,000,000" in page
    committed = {
        code: sum(
            FundingDecision.objects.filter(call=call, side__code=code).values_list("amount_minor", flat=True)
        )
        for code in ("EU", "JP")
    }
    assert committed == {"EU": 340_000_000, "JP": 153_000_000}
    project = Project.objects.get(proposal=quanta)
    page = _get("eu_researcher", reverse("reporting:project", args=[project.pk]))
    assert "QUANTA-NET" in page
    report = PeriodicReport.objects.filter(project=project).order_by("number").first()
    page = _get("jp_officer", reverse("reporting:report", args=[report.pk]))
    assert "Quantum memory stay at TU Delft" in page


def test_the_open_call_proposal_has_no_evaluation_summary_link(seeded):
    draft = Proposal.objects.filter(call__identifier="EUJ-QST-2026-01", acronym="QLINK").first()
    if draft is None:
        pytest.skip("the proposals demo made no proposal on the open call")
    page = _get("eu_researcher", reverse("proposals:detail", args=[draft.pk]))
    assert "/evaluation/summary/" not in page


def test_seeding_the_demo_again_changes_no_counts(seeded):
    before = _counts()
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert _counts() == before
