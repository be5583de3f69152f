"""The evaluation pages in use: forms keep values and name fields, confirmation steps, query counts."""

import re

import pytest
from django.urls import reverse

from evaluation import demo, services
from evaluation.enums import AssignmentState, ReviewState, SelectionOutcome
from evaluation.models import Assignment, CallEvaluation, FundingDecision, Review, SelectionList
from loi_portal import demo as portal_demo
from tests.factories import (
    make_assignment,
    make_call_in_evaluation,
    make_final_consensus,
    make_review,
    make_user,
    side_evaluation,
)

from .conftest import EU_PASS, JP_PASS

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_selected(eu_officer, jp_officer):
    """A call of one proposal, evaluated by both Sides (4 on every criterion) and selected."""
    call, (proposal,) = make_call_in_evaluation(1)
    make_final_consensus(side_evaluation(proposal, "EU"), EU_PASS, officer=eu_officer)
    make_final_consensus(side_evaluation(proposal, "JP"), JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=call):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    selection = SelectionList.objects.get(call=call)
    services.record_selection(selection.entries.get(), SelectionOutcome.SELECTED, by=eu_officer)
    services.approve_selection(selection, by=eu_officer)
    services.approve_selection(selection, by=jp_officer)
    proposal.refresh_from_db()
    return proposal


def test_evaluator_declares_then_scores_on_the_web_form(eu_eval, eu_officer, eu_evaluator, client_for):
    assignment = make_assignment(eu_eval, eu_evaluator, officer=eu_officer, declare=False)
    client = client_for(eu_evaluator)
    url = reverse("evaluation:assignment", args=[assignment.pk])
    missing = client.post(url, {"declaration": "conflict"})
    assert "Choose the type of conflict." in missing.content.decode()
    client.post(url, {"declaration": "none"})
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACTIVE
    form_url = reverse("evaluation:review", args=[assignment.pk])
    bad = client.post(form_url, {"score_excellence": "4.3", "comment_excellence": "Kept text", "submit": "1"})
    body = bad.content.decode()
    assert "steps of 0.5" in body and "Kept text" in body and 'value="4.3"' in body
    client.post(form_url, {"score_excellence": "4.5", "comment_excellence": "Strong", "save": "1"})
    assert Review.objects.get(assignment=assignment).state == ReviewState.DRAFT
    incomplete = client.post(form_url, {"score_excellence": "4.5", "submit": "1"})
    assert "Give a score for" in incomplete.content.decode()
    client.post(
        form_url,
        {
            "score_excellence": "4.5",
            "score_impact": "4",
            "score_implementation": "3",
            "confidence": "high",
            "submit": "1",
        },
    )
    assert Review.objects.get(assignment=assignment).state == ReviewState.SUBMITTED


def test_evaluator_declares_a_conflict_on_the_page(jp_eval, jp_officer, jp_evaluator, client_for, mailoutbox):
    assignment = make_assignment(jp_eval, jp_evaluator, officer=jp_officer, declare=False)
    client_for(jp_evaluator).post(
        reverse("evaluation:assignment", args=[assignment.pk]),
        {"declaration": "conflict", "conflict_type": "relative"},
    )
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.CONFLICT


def test_officer_assigns_the_suggestion_and_removal_needs_confirmation(eu_eval, client_eu_officer):
    for _ in range(3):
        make_user("EU", "evaluator")
    url = reverse("evaluation:assign", args=[eu_eval.pk])
    assert client_eu_officer.get(url).status_code == 200
    client_eu_officer.post(url, {"action": "assign_suggested"})
    assert eu_eval.assignments.count() == 3
    target = eu_eval.assignments.first()
    client_eu_officer.post(url, {"action": "remove", "assignment": target.pk})
    target.refresh_from_db()
    assert target.state == AssignmentState.PENDING
    client_eu_officer.post(url, {"action": "remove", "assignment": target.pk, "confirm": "yes"})
    target.refresh_from_db()
    assert target.state == AssignmentState.REMOVED


def test_ineligibility_needs_a_reason_on_the_page(eu_eval, client_eu_officer):
    url = reverse("evaluation:eligibility", args=[eu_eval.pk])
    response = client_eu_officer.post(url, {"eligible": "no", "reason": ""})
    assert "Give the reason" in response.content.decode()
    client_eu_officer.post(url, {"eligible": "no", "reason": "Out of scope"})
    eu_eval.refresh_from_db()
    assert eu_eval.eligible is False


def _workspace_row(body: str, criterion: str) -> list[str]:
    """The text of each cell of one criterion's row in the reviews-side-by-side table."""
    row = re.search(rf'<tr><th scope="row">{criterion}</th>(.*?)</tr>', body, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", " ", cell).split()[0] for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def test_consensus_page_shows_spread_and_computes_totals(eu_eval, eu_officer, client_eu_officer):
    make_review(
        make_assignment(eu_eval, officer=eu_officer),
        {"excellence": "5", "impact": "4", "implementation": "4"},
    )
    make_review(
        make_assignment(eu_eval, officer=eu_officer),
        {"excellence": "3", "impact": "4", "implementation": "4"},
    )
    url = reverse("evaluation:consensus", args=[eu_eval.pk])
    body = client_eu_officer.get(url).content.decode()
    # The Excellence row: the two scores, their mean and spread (population standard deviation of
    # 5 and 3), flagged as a wide spread; Impact, where both gave 4, has none.
    assert _workspace_row(body, "Excellence")[-2:] == ["4.00", "1.00"]
    assert _workspace_row(body, "Impact")[-2:] == ["4.00", "0.00"]
    assert re.search(r'<th scope="row">Excellence</th>.*?<td class="table-warning">1.00</td>', body, re.S)
    data = {f"score_{k}": str(v) for k, v in EU_PASS.items()} | {f"comment_{k}": "Agreed" for k in EU_PASS}
    client_eu_officer.post(url, {**data, "finalise": "1"})
    eu_eval.refresh_from_db()
    assert eu_eval.consensus.state == "final" and str(eu_eval.consensus.total) == "12.00"


def test_release_needs_confirmation(evaluated_call, eu_officer, client_eu_officer):
    for p in evaluated_call.proposals.all():
        make_final_consensus(side_evaluation(p, "EU"), EU_PASS, officer=eu_officer)
    ce = CallEvaluation.objects.get(call=evaluated_call, side__code="EU")
    url = reverse("evaluation:release", args=[ce.pk])
    client_eu_officer.post(url, {})
    ce.refresh_from_db()
    assert ce.released_at is None
    client_eu_officer.post(url, {"confirm": "on"})
    ce.refresh_from_db()
    assert ce.released_at is not None


def test_joint_selection_and_funding_pages(evaluated_call, eu_officer, jp_officer, client_for):
    for p in evaluated_call.proposals.all():
        make_final_consensus(side_evaluation(p, "EU"), EU_PASS, officer=eu_officer)
        make_final_consensus(side_evaluation(p, "JP"), JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=evaluated_call):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    selection = SelectionList.objects.get(call=evaluated_call)
    url = reverse("evaluation:selection", args=[evaluated_call.pk])
    eu, jp = client_for(eu_officer), client_for(jp_officer)
    assert client_for(make_user("EU", "evaluator")).get(url).status_code == 404
    for entry in selection.entries.all():
        eu.post(url, {"action": "outcome", "entry": entry.pk, "outcome": SelectionOutcome.SELECTED})
    selection.refresh_from_db()
    version = services.selection_state(selection)["hash"]
    eu.post(url, {"action": "approve", "version": version})
    jp.post(url, {"action": "approve", "version": version})
    selection.refresh_from_db()
    assert selection.effective_at is not None
    funding_url = reverse("evaluation:funding", args=[evaluated_call.pk])
    partner = evaluated_call.proposals.first().partners.get(side__code="JP")
    too_much = jp.post(funding_url, {"partner": partner.pk, "amount": "60000001"})
    assert "above what the participant requested" in too_much.content.decode()
    jp.post(funding_url, {"partner": partner.pk, "amount": "40000000"})
    body = jp.get(funding_url).content.decode()
    assert "¥40,000,000" in body and "¥260,000,000" in body  # committed and remaining of the JP budget
    # The EU officer cannot fund the JP participant: not in their list.
    assert eu.post(funding_url, {"partner": partner.pk, "amount": "1"}).status_code == 404
    member = evaluated_call.proposals.first().members.get().user
    summary = client_for(member).get(reverse("evaluation:summary", args=[partner.proposal_id]))
    assert summary.status_code == 200
    assert "Consensus on excellence." in summary.content.decode()
    assert (
        client_for(make_user("EU", "researcher"))
        .get(reverse("evaluation:summary", args=[partner.proposal_id]))
        .status_code
        == 404
    )


@pytest.mark.parametrize("n", [1, 5])
def test_evaluator_dashboard_query_count_is_flat(
    eu_officer, eu_evaluator, client_for, n, django_assert_num_queries
):
    _call, proposals = make_call_in_evaluation(n)
    for p in proposals:
        make_review(make_assignment(side_evaluation(p, "EU"), eu_evaluator, officer=eu_officer), EU_PASS)
    client = client_for(eu_evaluator)
    client.get(reverse("evaluation:home"))
    with django_assert_num_queries(9):
        client.get(reverse("evaluation:home"))


@pytest.mark.parametrize("n", [1, 5])
def test_officer_call_page_query_count_is_flat(eu_officer, client_for, n, django_assert_num_queries):
    call, proposals = make_call_in_evaluation(n)
    for p in proposals:
        make_review(make_assignment(side_evaluation(p, "EU"), officer=eu_officer), EU_PASS)
    ce = CallEvaluation.objects.get(call=call, side__code="EU")
    client = client_for(eu_officer)
    client.get(reverse("evaluation:call", args=[ce.pk]))
    with django_assert_num_queries(15):
        client.get(reverse("evaluation:call", args=[ce.pk]))


@pytest.mark.parametrize("n", [1, 5])
def test_ranking_query_count_is_flat(eu_officer, client_for, n, django_assert_num_queries):
    call, proposals = make_call_in_evaluation(n)
    for p in proposals:
        make_final_consensus(side_evaluation(p, "EU"), EU_PASS, officer=eu_officer)
    ce = CallEvaluation.objects.get(call=call, side__code="EU")
    client = client_for(eu_officer)
    client.get(reverse("evaluation:ranking", args=[ce.pk]))
    # The page counts the ranking, ranks it (ids and positions only), then loads its own rows.
    with django_assert_num_queries(14):
        client.get(reverse("evaluation:ranking", args=[ce.pk]))


def test_demo_gives_every_role_something_and_runs_twice():
    ctx: dict = {}
    portal_demo.seed(ctx)
    assert demo.seed(ctx) == []  # no call in evaluation: skipped
    make_call_in_evaluation(3)
    demo.seed(ctx)
    count = Assignment.objects.count()
    demo.seed(ctx)
    assert Assignment.objects.count() == count > 0
    for name in ("eu_evaluator1", "jp_evaluator1"):
        assert Assignment.objects.filter(evaluator=ctx["users"][name]).exists()
    assert Review.objects.filter(state=ReviewState.SUBMITTED).exists()


def test_funded_outcome_changes_after_the_side_withdraws_its_funding_on_the_page(
    evaluated_call, eu_officer, jp_officer, client_for
):
    for p in evaluated_call.proposals.all():
        make_final_consensus(side_evaluation(p, "EU"), EU_PASS, officer=eu_officer)
        make_final_consensus(side_evaluation(p, "JP"), JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=evaluated_call):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    selection = SelectionList.objects.get(call=evaluated_call)
    for entry in selection.entries.all():
        services.record_selection(entry, SelectionOutcome.SELECTED, by=eu_officer)
    services.approve_selection(selection, by=eu_officer)
    services.approve_selection(selection, by=jp_officer)
    entry = selection.entries.order_by("proposal__number").first()
    decision = services.record_funding(
        entry.proposal.partners.get(side__code="JP"), 40_000_000, by=jp_officer
    )
    eu, jp = client_for(eu_officer), client_for(jp_officer)
    selection_url = reverse("evaluation:selection", args=[evaluated_call.pk])
    refused = eu.post(
        selection_url,
        {"action": "outcome", "entry": entry.pk, "outcome": SelectionOutcome.NOT_SELECTED},
        follow=True,
    )
    assert "withdraw the funding first" in refused.content.decode()
    entry.refresh_from_db()
    assert entry.outcome == SelectionOutcome.SELECTED
    funding_url = reverse("evaluation:funding", args=[evaluated_call.pk])
    assert "Withdraw the decision" in jp.get(funding_url).content.decode()
    # The other Side's decision is not the EU officer's to withdraw; a malformed id is no 500 either.
    assert eu.post(funding_url, {"action": "withdraw", "decision": decision.pk}).status_code == 404
    assert eu.post(funding_url, {"action": "withdraw", "decision": "x"}).status_code == 404
    jp.post(funding_url, {"action": "withdraw", "decision": decision.pk})
    assert not FundingDecision.objects.filter(pk=decision.pk).exists()
    eu.post(selection_url, {"action": "outcome", "entry": entry.pk, "outcome": SelectionOutcome.NOT_SELECTED})
    entry.refresh_from_db()
    assert entry.outcome == SelectionOutcome.NOT_SELECTED
    # While the changed list waits for both approvals, the page refuses funding with the reason.
    other = selection.entries.exclude(pk=entry.pk).get()
    waiting = jp.post(
        funding_url, {"partner": other.proposal.partners.get(side__code="JP").pk, "amount": "1"}
    )
    assert "approve it again" in waiting.content.decode()


def test_summary_shows_each_score_out_of_the_scale_with_its_threshold_labelled(one_selected, client_for):
    proposal = one_selected
    body = client_for(proposal.members.get().user).get(reverse("evaluation:summary", args=[proposal.pk]))
    text = body.content.decode()
    # Horizon Europe: 0-5 with a threshold of 3 per criterion and 10 overall.
    assert "4.0 / 5.0 (threshold 3.0)" in text
    assert "4.0 / 3.0" not in text
    assert "12.00 (overall threshold 10.00)" in text


def _lock_version(body: str) -> str:
    return re.search(r'name="lock_version" value="(\d+)"', body).group(1)


def test_consensus_saved_meanwhile_by_the_rapporteur_is_an_edit_conflict_on_the_page(
    eu_eval, eu_officer, eu_evaluator, client_for
):
    make_assignment(eu_eval, eu_evaluator, officer=eu_officer)
    services.name_rapporteur(eu_eval, eu_evaluator, by=eu_officer)
    url = reverse("evaluation:consensus", args=[eu_eval.pk])
    officer, rapporteur = client_for(eu_officer), client_for(eu_evaluator)
    loaded = _lock_version(officer.get(url).content.decode())
    assert loaded == _lock_version(rapporteur.get(url).content.decode()) == "0"
    rapporteur.post(
        url,
        {"score_excellence": "4", "majority_view": "The rapporteur's majority", "lock_version": loaded},
    )
    typed = {"score_excellence": "3.5", "majority_view": "The officer's majority", "lock_version": loaded}
    stale = officer.post(url, typed)
    body = stale.content.decode()
    assert stale.status_code == 200
    assert "saved this consensus at" in body and "your changes were not saved" in body
    assert "The officer&#x27;s majority" in body and 'value="3.5"' in body  # what was typed is kept
    assert "The rapporteur&#x27;s majority" in body  # beside the version saved meanwhile
    eu_eval.consensus.refresh_from_db()
    assert eu_eval.consensus.majority_view == "The rapporteur's majority"
    # Having compared, saving again replaces the rapporteur's version deliberately.
    officer.post(url, {**typed, "lock_version": _lock_version(body)})
    eu_eval.consensus.refresh_from_db()
    assert eu_eval.consensus.majority_view == "The officer's majority"
    assert str(eu_eval.consensus.scores.get(criterion__code="excellence").score) == "3.5"


def test_majority_and_minority_views_are_saved_on_the_page_and_read_back(
    evaluated_call, eu_officer, jp_officer, client_eu_officer, client_for
):
    eu_eval = side_evaluation(evaluated_call.proposals.order_by("number").first(), "EU")
    url = reverse("evaluation:consensus", args=[eu_eval.pk])
    scores = {f"score_{k}": str(v) for k, v in EU_PASS.items()} | {f"comment_{k}": "Agreed" for k in EU_PASS}
    views = {
        "majority_view": "Two experts find the quantum repeater design convincing.",
        "minority_view": "One expert doubts the cryogenic budget & timeline.",
    }
    client_eu_officer.post(url, {**scores, **views, "lock_version": "0", "save": "1"})
    eu_eval.refresh_from_db()
    assert (eu_eval.consensus.majority_view, eu_eval.consensus.minority_view) == tuple(views.values())
    draft = client_eu_officer.get(url).content.decode()
    assert views["majority_view"] in draft and "cryogenic budget &amp; timeline" in draft
    # Finalised, the page still shows both views (read-only), and so does the API.
    client_eu_officer.post(url, {**scores, **views, "lock_version": "1", "finalise": "1"})
    eu_eval.consensus.refresh_from_db()
    assert eu_eval.consensus.state == "final"
    final = client_eu_officer.get(url).content.decode()
    assert views["majority_view"] in final and "cryogenic budget &amp; timeline" in final
    api_url = f"/api/v1/evaluation/consensus/{eu_eval.consensus.pk}/"
    data = client_eu_officer.get(api_url).json()
    assert (data["majority_view"], data["minority_view"]) == tuple(views.values())
    # The JP Side reads them only once the EU Side released its consensus.
    jp = client_for(jp_officer)
    assert jp.get(api_url).status_code == 404
    for p in evaluated_call.proposals.exclude(pk=eu_eval.proposal_id):
        make_final_consensus(side_evaluation(p, "EU"), EU_PASS, officer=eu_officer)
    services.release_consensus(
        CallEvaluation.objects.get(call=evaluated_call, side__code="EU"), by=eu_officer
    )
    assert jp.get(api_url).json()["minority_view"] == views["minority_view"]


def _scores(value: str) -> dict:
    from decimal import Decimal

    return {code: Decimal(value) for code in EU_PASS}


def test_the_ranking_is_paged_and_keeps_the_positions_of_the_whole_list(eu_officer, client_for, monkeypatch):
    from evaluation import selectors

    monkeypatch.setattr(selectors, "RANKING_PAGE_SIZE", 2)
    call, proposals = make_call_in_evaluation(5)
    # Totals 5, 4.5, 4, 3.5, 3 per criterion: the ranking follows the list's order.
    for proposal, value in zip(proposals, ["5", "4.5", "4", "3.5", "3"], strict=True):
        make_final_consensus(side_evaluation(proposal, "EU"), _scores(value), officer=eu_officer)
    ce = CallEvaluation.objects.get(call=call, side__code="EU")
    url = reverse("evaluation:ranking", args=[ce.pk])
    client = client_for(eu_officer)

    second = client.get(url, {"page": 2})
    assert [(r["position"], r["proposal"]) for r in second.context["rows"]] == [
        (3, proposals[2]),
        (4, proposals[3]),
    ]
    body = second.content.decode()
    assert "Page 2 of 3" in body and "5 proposals ranked." in body
    last = client.get(url, {"page": 3}).context["rows"]
    assert [(r["position"], r["proposal"]) for r in last] == [(5, proposals[4])]
    # A page past the end shows the last one rather than an error.
    assert client.get(url, {"page": 99}).context["rows"] == last


def test_the_joint_selection_is_paged_and_an_outcome_returns_to_its_page(
    eu_officer, jp_officer, client_for, monkeypatch
):
    from evaluation import selectors

    monkeypatch.setattr(selectors, "RANKING_PAGE_SIZE", 2)
    call, proposals = make_call_in_evaluation(3)
    # The EU ranks them in reverse order of creation; the JP scores them alike, so its ties go by number.
    for proposal, value in zip(proposals, ["3.5", "4", "4.5"], strict=True):
        make_final_consensus(side_evaluation(proposal, "EU"), _scores(value), officer=eu_officer)
        make_final_consensus(side_evaluation(proposal, "JP"), JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=call):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    url = reverse("evaluation:selection", args=[call.pk])
    client = client_for(jp_officer)

    first = client.get(url).context["rows"]
    assert [r["proposal"] for r in first] == [proposals[2], proposals[1]]
    assert [s["position"] for s in first[0]["sides"]] == [1, 3]
    second = client.get(url, {"page": 2})
    (row,) = second.context["rows"]
    assert row["proposal"] == proposals[0] and [s["position"] for s in row["sides"]] == [3, 1]

    response = client.post(
        f"{url}?page=2", {"action": "outcome", "entry": row["entry"].pk, "outcome": SelectionOutcome.SELECTED}
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?page=2"
    row["entry"].refresh_from_db()
    assert row["entry"].outcome == SelectionOutcome.SELECTED
