"""The evaluation's rules, through the services (PostgreSQL)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from evaluation import services
from evaluation.enums import AssignmentState, ConsensusState, ReviewState, SelectionOutcome
from evaluation.models import CallEvaluation, FundingDecision, ProposalEvaluation, SelectionList
from proposals.enums import ProposalState
from tests.factories import (
    make_assignment,
    make_call_in_evaluation,
    make_final_consensus,
    make_proposal,
    make_review,
    make_user,
    side_evaluation,
)

from .conftest import EU_PASS, JP_PASS

pytestmark = pytest.mark.django_db


# -- start and eligibility ---------------------------------------------------------------------------


def test_submitted_proposals_enter_evaluation_on_both_sides_at_once():
    call, proposals = make_call_in_evaluation(2)
    draft = make_proposal(call=call)
    services.on_evaluation_started(call)  # twice: nothing doubles
    assert CallEvaluation.objects.filter(call=call).count() == 2
    for p in proposals:
        p.refresh_from_db()
        assert p.state == ProposalState.UNDER_EVALUATION
        assert sorted(p.side_evaluations.values_list("side__code", flat=True)) == ["EU", "JP"]
    assert not ProposalEvaluation.objects.filter(proposal=draft).exists()


def test_officer_declares_a_proposal_ineligible_for_their_side_only(eu_eval, jp_eval, eu_officer):
    with pytest.raises(ValidationError):
        services.declare_ineligible(eu_eval, by=eu_officer, reason="  ")
    services.declare_ineligible(eu_eval, by=eu_officer, reason="No JP partner established in Japan.")
    eu_eval.refresh_from_db()
    jp_eval.refresh_from_db()
    assert eu_eval.eligible is False and jp_eval.eligible is True


def test_other_side_officer_cannot_declare_ineligible(jp_eval, eu_officer):
    with pytest.raises(ValidationError):
        services.declare_ineligible(jp_eval, by=eu_officer, reason="Not ours to say.")


def test_ineligible_proposal_is_not_assigned_and_its_assignments_end(eu_eval, eu_officer, eu_evaluator):
    assignment = make_assignment(eu_eval, eu_evaluator, officer=eu_officer)
    services.declare_ineligible(eu_eval, by=eu_officer, reason="Out of scope.")
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.REMOVED
    assert not eu_evaluator.has_perm("proposals.view_proposal", eu_eval.proposal)
    with pytest.raises(ValidationError):
        services.assign_evaluator(eu_eval, make_user("EU", "evaluator"), by=eu_officer)


# -- assignments ---------------------------------------------------------------------------------------


def test_assigning_tells_the_evaluator_and_opens_the_proposal_only_after_declaring(
    eu_eval, eu_officer, eu_evaluator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.assign_evaluator(eu_eval, eu_evaluator, by=eu_officer)
    assert assignment.state == AssignmentState.PENDING
    assert [m.to for m in mailoutbox] == [[eu_evaluator.email]]
    # Nothing beyond the title and the consortium before the declaration, on any page of the portal.
    assert not eu_evaluator.has_perm("proposals.view_proposal", eu_eval.proposal)
    services.declare_no_conflict(assignment, by=eu_evaluator)
    assert eu_evaluator.has_perm("proposals.view_proposal", eu_eval.proposal)


@pytest.mark.parametrize("who", ["jp_evaluator", "eu_researcher"])
def test_officer_assigns_only_evaluators_of_their_own_side(eu_eval, eu_officer, who, request):
    with pytest.raises(ValidationError) as exc:
        services.assign_evaluator(eu_eval, request.getfixturevalue(who), by=eu_officer)
    assert "evaluator" in exc.value.message_dict


def test_other_side_officer_cannot_assign(eu_eval, jp_officer, eu_evaluator):
    with pytest.raises(ValidationError):
        services.assign_evaluator(eu_eval, eu_evaluator, by=jp_officer)


def test_suggestion_balances_workload_and_avoids_partners_organisations(evaluated_call, eu_eval, eu_officer):
    partner_org = eu_eval.proposal.partners.get(side__code="EU").organisation
    from_partner = make_user("EU", "evaluator", organisation=partner_org)
    same_domain = make_user("EU", "evaluator", email=f"x@{partner_org.email_domain}")
    busy, free1, free2, free3 = (make_user("EU", "evaluator") for _ in range(4))
    other = side_evaluation(evaluated_call.proposals.exclude(pk=eu_eval.proposal_id).get(), "EU")
    services.assign_evaluator(other, busy, by=eu_officer)
    suggested = services.suggest_evaluators(eu_eval)
    assert len(suggested) == 3  # the default number per proposal
    assert busy not in suggested and from_partner not in suggested and same_domain not in suggested
    assert set(suggested) == {free1, free2, free3}


def test_number_of_evaluators_per_proposal_is_configurable(eu_eval, eu_officer):
    for _ in range(6):
        make_user("EU", "evaluator")
    services.set_evaluators_per_proposal(eu_eval.call_evaluation, 5, by=eu_officer)
    eu_eval.call_evaluation.refresh_from_db()
    assert len(services.suggest_evaluators(eu_eval)) == 5


# -- conflicts of interest -----------------------------------------------------------------------------


def test_portal_warns_of_likely_conflict_by_organisation_and_email_domain(eu_eval):
    partner_org = eu_eval.proposal.partners.get(side__code="EU").organisation
    colleague = make_user("EU", "evaluator", organisation=partner_org)
    same_domain = make_user("EU", "evaluator", email=f"someone@{partner_org.email_domain}")
    stranger = make_user("EU", "evaluator")
    assert services.likely_conflicts(colleague, eu_eval.proposal)
    assert services.likely_conflicts(same_domain, eu_eval.proposal)
    assert services.likely_conflicts(stranger, eu_eval.proposal) == []


def test_declared_conflict_removes_access_tells_officers_and_allows_reassignment(
    jp_eval, jp_officer, jp_evaluator, mailoutbox, django_capture_on_commit_callbacks
):
    assignment = make_assignment(jp_eval, jp_evaluator, officer=jp_officer, declare=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.declare_conflict(assignment, by=jp_evaluator, conflict_type="mentor_student")
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.CONFLICT
    assert not jp_evaluator.has_perm("proposals.view_proposal", jp_eval.proposal)
    assert jp_officer.email in [m.to[0] for m in mailoutbox]
    with pytest.raises(ValidationError):
        services.assign_evaluator(jp_eval, jp_evaluator, by=jp_officer)
    replacement = services.assign_evaluator(jp_eval, make_user("JP", "evaluator"), by=jp_officer)
    assert replacement.state == AssignmentState.PENDING


def test_conflict_types_are_each_sides_own_list(eu_eval, jp_eval):
    eu_types = dict(services.conflict_types_for(services.terms_for(eu_eval.proposal.call, eu_eval.side)))
    jp_types = dict(services.conflict_types_for(services.terms_for(jp_eval.proposal.call, jp_eval.side)))
    assert {
        "relative",
        "same_organisation",
        "close_collaborator",
        "mentor_student",
        "competitor",
        "other",
    } == set(jp_types)
    assert "involved_in_preparation" in eu_types and "mentor_student" not in eu_types
    jp_assignment = make_assignment(jp_eval, declare=False)
    with pytest.raises(ValidationError) as exc:
        services.declare_conflict(
            jp_assignment, by=jp_assignment.evaluator, conflict_type="involved_in_preparation"
        )
    assert "conflict_type" in exc.value.message_dict


def test_only_the_assigned_evaluator_declares(eu_eval, eu_evaluator2):
    assignment = make_assignment(eu_eval, declare=False)
    with pytest.raises(ValidationError):
        services.declare_no_conflict(assignment, by=eu_evaluator2)


# -- reviews -------------------------------------------------------------------------------------------


def test_cannot_score_before_declaring(eu_eval):
    assignment = make_assignment(eu_eval, declare=False)
    with pytest.raises(ValidationError):
        services.save_review(assignment, by=assignment.evaluator, scores={"excellence": {"score": "4"}})


@pytest.mark.parametrize(
    ("value", "message"), [("5.5", "between 0 and 5"), ("-1", "between 0 and 5"), ("3.3", "steps of 0.5")]
)
def test_out_of_range_or_off_step_score_is_refused_with_a_message(eu_eval, value, message):
    assignment = make_assignment(eu_eval)
    with pytest.raises(ValidationError) as exc:
        services.save_review(assignment, by=assignment.evaluator, scores={"impact": {"score": value}})
    assert message in exc.value.message_dict["score_impact"][0]


def test_draft_saves_and_submission_needs_every_criterion(eu_eval):
    assignment = make_assignment(eu_eval)
    review = make_review(assignment, {"excellence": "4.5"}, submit=False)
    assert review.state == ReviewState.DRAFT
    assert review.scores.get(criterion__code="excellence").score == Decimal("4.5")
    with pytest.raises(ValidationError) as exc:
        services.submit_review(review, by=assignment.evaluator)
    assert {"score_impact", "score_implementation"} <= set(exc.value.message_dict)
    make_review(assignment, {"impact": "3", "implementation": "3.5"}, submit=False)
    review = services.submit_review(review, by=assignment.evaluator)
    assert review.state == ReviewState.SUBMITTED
    with pytest.raises(ValidationError):
        services.save_review(assignment, by=assignment.evaluator, scores={"impact": {"score": "5"}})


def test_jp_evaluator_scores_on_the_jp_criteria(jp_eval):
    assignment = make_assignment(jp_eval)
    with pytest.raises(ValidationError):
        services.save_review(assignment, by=assignment.evaluator, scores={"excellence": {"score": "4"}})
    review = make_review(assignment, JP_PASS)
    assert review.scores.count() == 4


# -- consensus -----------------------------------------------------------------------------------------


def test_consensus_results_are_computed_and_weights_never_change_thresholds(eu_eval, eu_officer):
    criteria = services.terms_for(eu_eval.proposal.call, eu_eval.side).criteria
    criteria.filter(code="excellence").update(weight=Decimal("3"))
    consensus = make_final_consensus(
        eu_eval, {"excellence": "4", "impact": "3", "implementation": "2.5"}, officer=eu_officer
    )
    assert consensus.total == Decimal("9.5")
    assert consensus.weighted_total == Decimal("17.5")  # 4*3 + 3 + 2.5
    assert consensus.passes_thresholds is False  # implementation below 3, total below 10
    passes = {s.criterion.code: s.passes for s in consensus.scores.select_related("criterion")}
    assert passes == {"excellence": True, "impact": True, "implementation": False}


def test_overall_threshold_applies_to_the_unweighted_total(eu_eval, eu_officer):
    criteria = services.terms_for(eu_eval.proposal.call, eu_eval.side).criteria
    criteria.update(weight=Decimal("2"))
    consensus = make_final_consensus(eu_eval, {"excellence": "3", "impact": "3", "implementation": "3.5"})
    assert consensus.total == Decimal("9.5") and consensus.weighted_total == Decimal("19")
    assert consensus.passes_thresholds is False


def test_rapporteur_writes_consensus_only_when_named(eu_eval, eu_officer):
    assignment = make_assignment(eu_eval, officer=eu_officer)
    with pytest.raises(ValidationError):
        services.save_consensus(eu_eval, by=assignment.evaluator, scores={"excellence": {"score": "4"}})
    services.name_rapporteur(eu_eval, assignment.evaluator, by=eu_officer)
    consensus = services.save_consensus(
        eu_eval, by=assignment.evaluator, scores={"excellence": {"score": "4"}}
    )
    assert consensus.state == ConsensusState.DRAFT and consensus.total is None
    with pytest.raises(ValidationError):
        services.name_rapporteur(eu_eval, make_user("JP", "officer"), by=eu_officer)


def test_finalising_needs_every_score_and_comment(eu_eval, eu_officer):
    consensus = services.save_consensus(
        eu_eval, by=eu_officer, scores={"excellence": {"score": "4", "comment": "ok"}}
    )
    with pytest.raises(ValidationError) as exc:
        services.finalise_consensus(consensus, by=eu_officer)
    assert "score_impact" in exc.value.message_dict


# -- ranking -------------------------------------------------------------------------------------------


def test_ranking_by_weighted_total_tie_broken_by_excellence_then_below_threshold(eu_officer):
    _call, proposals = make_call_in_evaluation(4)
    a, b, c, d = (side_evaluation(p, "EU") for p in proposals)
    make_final_consensus(a, {"excellence": "3.5", "impact": "4.5", "implementation": "4"})  # 12, exc 3.5
    make_final_consensus(b, {"excellence": "4.5", "impact": "3.5", "implementation": "4"})  # 12, exc 4.5
    make_final_consensus(c, {"excellence": "5", "impact": "5", "implementation": "2.5"})  # below: impl < 3
    make_final_consensus(d, {"excellence": "3", "impact": "3", "implementation": "3.5"})  # 9.5 < 10: below
    rows = services.rank(a.call_evaluation)
    assert [r["proposal"] for r in rows] == [b.proposal, a.proposal, c.proposal, d.proposal]
    assert [r["passes"] for r in rows] == [True, True, False, False]


def test_ineligible_proposals_are_not_ranked(eu_officer):
    _call, proposals = make_call_in_evaluation(2)
    a, b = (side_evaluation(p, "EU") for p in proposals)
    make_final_consensus(a, EU_PASS)
    make_final_consensus(b, EU_PASS)
    services.declare_ineligible(b, by=eu_officer, reason="Duplicate.")
    assert [r["proposal"] for r in services.rank(a.call_evaluation)] == [a.proposal]


# -- release and joint selection -----------------------------------------------------------------------


def _release_both(call, eu_officer, jp_officer, eu_scores=None, jp_scores=None):
    for proposal in call.proposals.all():
        make_final_consensus(side_evaluation(proposal, "EU"), eu_scores or EU_PASS, officer=eu_officer)
        make_final_consensus(side_evaluation(proposal, "JP"), jp_scores or JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=call):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    return SelectionList.objects.get(call=call)


def test_release_needs_every_final_consensus(evaluated_call, eu_officer, jp_officer):
    ce = CallEvaluation.objects.get(call=evaluated_call, side__code="EU")
    with pytest.raises(ValidationError):
        services.release_consensus(ce, by=eu_officer)
    with pytest.raises(ValidationError):
        services.release_consensus(ce, by=jp_officer)


def test_after_release_the_side_cannot_change_its_evaluation(evaluated_call, eu_officer, jp_officer):
    _release_both(evaluated_call, eu_officer, jp_officer)
    evaluation = side_evaluation(evaluated_call.proposals.first(), "EU")
    with pytest.raises(ValidationError):
        services.assign_evaluator(evaluation, make_user("EU", "evaluator"), by=eu_officer)
    with pytest.raises(ValidationError):
        services.reopen_consensus(evaluation.consensus, by=eu_officer)


def test_selection_list_takes_effect_only_when_both_sides_approved_the_same_list(
    evaluated_call, eu_officer, jp_officer
):
    selection = _release_both(evaluated_call, eu_officer, jp_officer)
    first, second = selection.entries.order_by("proposal__number")
    services.record_selection(first, SelectionOutcome.SELECTED, by=eu_officer)
    services.record_selection(second, SelectionOutcome.RESERVE, by=jp_officer)
    assert services.approve_selection(selection, by=eu_officer) is False
    # The JP officer changes the list: the EU approval was of the previous content.
    services.record_selection(second, SelectionOutcome.NOT_SELECTED, by=jp_officer)
    assert services.approve_selection(selection, by=jp_officer) is False
    first.proposal.refresh_from_db()
    assert first.proposal.state == ProposalState.UNDER_EVALUATION
    assert services.approve_selection(selection, by=eu_officer) is True
    first.proposal.refresh_from_db()
    second.proposal.refresh_from_db()
    assert first.proposal.state == ProposalState.SELECTED
    assert second.proposal.state == ProposalState.NOT_SELECTED
    # A later change needs both approvals again.
    services.record_selection(second, SelectionOutcome.RESERVE, by=eu_officer)
    assert services.selection_state(selection)["in_effect"] is False
    services.approve_selection(selection, by=eu_officer)
    second.proposal.refresh_from_db()
    assert second.proposal.state == ProposalState.NOT_SELECTED
    assert services.approve_selection(selection, by=jp_officer) is True
    second.proposal.refresh_from_db()
    assert second.proposal.state == ProposalState.RESERVE


def test_approving_with_a_stale_list_is_refused(evaluated_call, eu_officer, jp_officer):
    selection = _release_both(evaluated_call, eu_officer, jp_officer)
    for entry in selection.entries.all():
        services.record_selection(entry, SelectionOutcome.SELECTED, by=eu_officer)
    with pytest.raises(ValidationError):
        services.approve_selection(selection, by=eu_officer, version="0" * 64)


def test_undecided_list_cannot_be_approved(evaluated_call, eu_officer, jp_officer):
    selection = _release_both(evaluated_call, eu_officer, jp_officer)
    with pytest.raises(ValidationError):
        services.approve_selection(selection, by=eu_officer)


@pytest.mark.parametrize("failing_side", ["EU", "JP"])
def test_proposal_below_either_sides_threshold_cannot_be_selected(
    evaluated_call, eu_officer, jp_officer, failing_side
):
    low_eu = {"excellence": "2.5", "impact": "4", "implementation": "4"}
    low_jp = {"fit": "2", "plan": "4", "management": "4", "implementation": "4"}
    selection = _release_both(
        evaluated_call,
        eu_officer,
        jp_officer,
        eu_scores=low_eu if failing_side == "EU" else None,
        jp_scores=low_jp if failing_side == "JP" else None,
    )
    entry = selection.entries.first()
    with pytest.raises(ValidationError) as exc:
        services.record_selection(entry, SelectionOutcome.SELECTED, by=eu_officer)
    assert "outcome" in exc.value.message_dict
    services.record_selection(entry, SelectionOutcome.NOT_SELECTED, by=eu_officer)


def test_non_officer_cannot_record_or_approve(evaluated_call, eu_officer, jp_officer, eu_evaluator):
    selection = _release_both(evaluated_call, eu_officer, jp_officer)
    with pytest.raises(ValidationError):
        services.record_selection(selection.entries.first(), SelectionOutcome.SELECTED, by=eu_evaluator)
    with pytest.raises(ValidationError):
        services.approve_selection(selection, by=eu_evaluator)


# -- funding -------------------------------------------------------------------------------------------


@pytest.fixture
def selected_call(eu_officer, jp_officer):
    call, _proposals = make_call_in_evaluation(2, eu_cap_minor=150_000_000, jp_cap_minor=80_000_000)
    selection = _release_both(call, eu_officer, jp_officer)
    for entry in selection.entries.all():
        services.record_selection(entry, SelectionOutcome.SELECTED, by=eu_officer)
    services.approve_selection(selection, by=eu_officer)
    services.approve_selection(selection, by=jp_officer)
    return call


def test_side_funds_only_its_own_participants(selected_call, eu_officer, jp_officer):
    proposal = selected_call.proposals.first()
    jp_partner = proposal.partners.get(side__code="JP")
    with pytest.raises(ValidationError):
        services.record_funding(jp_partner, 1000, by=eu_officer)
    decision = services.record_funding(jp_partner, 40_000_000, by=jp_officer)
    assert decision.side.code == "JP" and decision.currency == "JPY"


def test_funding_never_above_the_request(selected_call, eu_officer):
    partner = selected_call.proposals.first().partners.get(side__code="EU")
    with pytest.raises(ValidationError) as exc:
        services.record_funding(partner, partner.requested_minor + 1, by=eu_officer)
    assert "amount_minor" in exc.value.message_dict


def test_funding_never_exceeds_the_sides_budget_for_the_call(selected_call, eu_officer):
    first, second = (p.partners.get(side__code="EU") for p in selected_call.proposals.order_by("number"))
    services.record_funding(first, 100_000_000, by=eu_officer)
    with pytest.raises(ValidationError) as exc:
        services.record_funding(second, 60_000_000, by=eu_officer)  # cap 150M
    assert "remain" in exc.value.message_dict["amount_minor"][0]
    services.record_funding(second, 50_000_000, by=eu_officer)
    figures = services.budget_figures(selected_call, first.side)
    assert (figures["committed"], figures["remaining"]) == (150_000_000, 0)
    # Changing a decision counts it once.
    services.record_funding(first, 90_000_000, by=eu_officer)
    assert services.budget_figures(selected_call, first.side)["remaining"] == 10_000_000


def test_only_selected_proposals_are_funded(evaluated_call, eu_officer, jp_officer):
    selection = _release_both(evaluated_call, eu_officer, jp_officer)
    first, second = selection.entries.order_by("proposal__number")
    services.record_selection(first, SelectionOutcome.SELECTED, by=eu_officer)
    services.record_selection(second, SelectionOutcome.RESERVE, by=eu_officer)
    partner = second.proposal.partners.get(side__code="EU")
    with pytest.raises(ValidationError):  # not in effect yet
        services.record_funding(first.proposal.partners.get(side__code="EU"), 1, by=eu_officer)
    services.approve_selection(selection, by=eu_officer)
    services.approve_selection(selection, by=jp_officer)
    with pytest.raises(ValidationError):
        services.record_funding(partner, 1, by=eu_officer)
    assert not FundingDecision.objects.exists()


def test_no_funding_while_a_changed_list_waits_for_approval(selected_call, eu_officer, jp_officer):
    """The repro of the review: an entry changed to not selected, its partner funded while the list
    waits for both approvals again, then both approve. The funding is refused, so the proposal ends
    not selected with nothing counted against the Side's budget."""
    selection = SelectionList.objects.get(call=selected_call)
    entry = selection.entries.order_by("proposal__number").first()
    partner = entry.proposal.partners.get(side__code="EU")
    services.record_selection(entry, SelectionOutcome.NOT_SELECTED, by=jp_officer)
    entry.proposal.refresh_from_db()
    assert entry.proposal.state == ProposalState.SELECTED  # the earlier list is still the one applied
    with pytest.raises(ValidationError) as exc:
        services.record_funding(partner, 10_000_000, by=eu_officer)
    assert "approve it again" in exc.value.messages[0]
    services.approve_selection(selection, by=eu_officer)
    services.approve_selection(selection, by=jp_officer)
    entry.proposal.refresh_from_db()
    assert entry.proposal.state == ProposalState.NOT_SELECTED
    assert not FundingDecision.objects.filter(proposal=entry.proposal).exists()
    assert services.budget_figures(selected_call, partner.side)["committed"] == 0
    with pytest.raises(ValidationError):
        services.record_funding(partner, 10_000_000, by=eu_officer)


def test_outcome_of_a_funded_proposal_changes_only_after_the_funding_is_withdrawn(
    selected_call, eu_officer, jp_officer
):
    selection = SelectionList.objects.get(call=selected_call)
    entry = selection.entries.order_by("proposal__number").first()
    jp_partner = entry.proposal.partners.get(side__code="JP")
    decision = services.record_funding(jp_partner, 40_000_000, by=jp_officer)
    # The EU officer may not change it either: the JP Side's funding stands until the JP Side withdraws.
    for officer, outcome in (
        (eu_officer, SelectionOutcome.NOT_SELECTED),
        (jp_officer, SelectionOutcome.RESERVE),
    ):
        with pytest.raises(ValidationError) as exc:
            services.record_selection(entry, outcome, by=officer)
        assert "withdraw the funding first" in exc.value.message_dict["outcome"][0]
    entry.refresh_from_db()
    assert entry.outcome == SelectionOutcome.SELECTED
    with pytest.raises(ValidationError):  # only the partner's own Side withdraws
        services.withdraw_funding(decision, by=eu_officer)
    services.withdraw_funding(decision, by=jp_officer)
    assert not FundingDecision.objects.filter(pk=decision.pk).exists()
    assert services.budget_figures(selected_call, jp_partner.side)["committed"] == 0
    services.record_selection(entry, SelectionOutcome.NOT_SELECTED, by=eu_officer)
    entry.refresh_from_db()
    assert entry.outcome == SelectionOutcome.NOT_SELECTED


# -- applicants ----------------------------------------------------------------------------------------


def test_applicants_are_told_when_the_summary_is_out(
    eu_officer, jp_officer, mailoutbox, django_capture_on_commit_callbacks
):
    call, (proposal,) = make_call_in_evaluation(1)
    selection = _release_both(call, eu_officer, jp_officer)
    services.record_selection(selection.entries.get(), SelectionOutcome.NOT_SELECTED, by=eu_officer)
    services.approve_selection(selection, by=eu_officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_selection(selection, by=jp_officer)
    member = proposal.members.get().user
    assert [m.to for m in mailoutbox] == [[member.email]]
    assert "evaluation summary" in mailoutbox[0].body


def test_review_request_within_30_days_answered_by_the_side_concerned(
    selected_call, jp_officer, eu_officer, python_clock
):
    proposal = selected_call.proposals.first()
    member = proposal.members.get().user
    request = services.file_review_request(
        proposal, by=member, side=jp_officer.side, text="The panel had 2 experts."
    )
    with pytest.raises(ValidationError):
        services.answer_review_request(request, by=eu_officer, answer="Not yours.")
    request = services.answer_review_request(request, by=jp_officer, answer="Three experts reviewed it.")
    assert request.state == "answered"
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)), pytest.raises(ValidationError):
        services.file_review_request(proposal, by=member, side=jp_officer.side, text="Late.")


def test_outsider_cannot_request_review(selected_call, eu_researcher):
    with pytest.raises(ValidationError):
        services.file_review_request(
            selected_call.proposals.first(), by=eu_researcher, side=eu_researcher.side, text="Not mine."
        )


def test_no_review_request_before_decisions(evaluated_call):
    proposal = evaluated_call.proposals.first()
    with pytest.raises(ValidationError):
        services.file_review_request(
            proposal, by=proposal.members.get().user, side=proposal.members.get().side, text="Too early."
        )


def test_proposal_ineligible_for_one_side_is_not_selected_and_ends_ineligible(eu_officer, jp_officer):
    call, (kept, dropped) = make_call_in_evaluation(2)
    services.declare_ineligible(
        side_evaluation(dropped, "JP"), by=jp_officer, reason="No JP partner eligible."
    )
    make_final_consensus(side_evaluation(kept, "EU"), EU_PASS, officer=eu_officer)
    make_final_consensus(side_evaluation(dropped, "EU"), EU_PASS, officer=eu_officer)
    make_final_consensus(side_evaluation(kept, "JP"), JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=call):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    selection = SelectionList.objects.get(call=call)
    dropped_entry = selection.entries.get(proposal=dropped)
    assert dropped_entry.outcome == SelectionOutcome.NOT_SELECTED
    with pytest.raises(ValidationError):
        services.record_selection(dropped_entry, SelectionOutcome.SELECTED, by=eu_officer)
    services.record_selection(selection.entries.get(proposal=kept), SelectionOutcome.SELECTED, by=eu_officer)
    services.approve_selection(selection, by=eu_officer)
    services.approve_selection(selection, by=jp_officer)
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert (kept.state, dropped.state) == (ProposalState.SELECTED, ProposalState.INELIGIBLE)
