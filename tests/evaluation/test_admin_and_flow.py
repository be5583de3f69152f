"""The admin behind the walls, the call's lifecycle through the calls capability, divergences, and
concurrent funding decisions that cannot overshoot the budget."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from calls.enums import CallState
from evaluation import services
from evaluation.enums import SelectionOutcome
from evaluation.models import CallEvaluation, FundingDecision, ProposalEvaluation, SelectionList
from loi_portal.governance_models import Divergence, DivergenceLink
from proposals.enums import ProposalState
from tests.factories import (
    make_assignment,
    make_call,
    make_call_in_evaluation,
    make_final_consensus,
    make_review,
    make_submitted_proposal,
    make_user,
    side_evaluation,
)

from .conftest import EU_PASS, JP_PASS


def _staff(side_code, role="officer", **kwargs):
    user = make_user(side_code, role, is_staff=True, **kwargs)
    return user


ADMIN_MODELS = ["assignment", "review", "reviewscore", "consensus", "consensusscore", "proposalevaluation"]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_lists_hide_the_other_sides_evaluation_even_from_a_superuser(model, eu_officer, client_for):
    _call, (proposal,) = make_call_in_evaluation(1)
    evaluation = side_evaluation(proposal, "EU")
    make_review(make_assignment(evaluation, officer=eu_officer), EU_PASS)
    make_final_consensus(evaluation, EU_PASS, officer=eu_officer)
    url = reverse(f"admin:evaluation_{model}_changelist")
    jp_super = make_user("JP", "officer", is_staff=True, is_superuser=True)
    body = client_for(jp_super).get(url).content.decode()
    # The JP Side's own evaluation of the same proposal is theirs to see; nothing of the EU's is.
    hidden = "European Union</td>" if model == "proposalevaluation" else proposal.number
    assert hidden not in body
    no_side_super = make_user("EU", None, is_staff=True, is_superuser=True, side=None)
    assert proposal.number not in client_for(no_side_super).get(url).content.decode()
    eu_super = make_user("EU", "officer", is_staff=True, is_superuser=True)
    assert proposal.number in client_for(eu_super).get(url).content.decode()


@pytest.mark.django_db
def test_admin_detail_of_a_hidden_object_is_not_shown(eu_officer, client_for):
    _call, (proposal,) = make_call_in_evaluation(1)
    assignment = make_assignment(side_evaluation(proposal, "EU"), officer=eu_officer)
    jp_super = make_user("JP", "officer", is_staff=True, is_superuser=True)
    response = client_for(jp_super).get(reverse("admin:evaluation_assignment_change", args=[assignment.pk]))
    assert response.status_code == 302 or proposal.number not in response.content.decode()


@pytest.mark.django_db
def test_starting_evaluation_through_the_calls_transition_then_selection_moves_the_call_on(
    eu_officer, jp_officer
):
    from calls.services import start_evaluation

    call = make_call(state=CallState.CLOSED)
    proposal = make_submitted_proposal(call=call)
    start_evaluation(call, by=eu_officer)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.UNDER_EVALUATION
    assert ProposalEvaluation.objects.filter(proposal=proposal).count() == 2
    make_final_consensus(side_evaluation(proposal, "EU"), EU_PASS, officer=eu_officer)
    make_final_consensus(side_evaluation(proposal, "JP"), JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=call):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    call.refresh_from_db()
    assert call.state == CallState.SELECTION
    selection = SelectionList.objects.get(call=call)
    services.record_selection(selection.entries.get(), SelectionOutcome.SELECTED, by=jp_officer)
    services.approve_selection(selection, by=jp_officer)
    services.approve_selection(selection, by=eu_officer)
    call.refresh_from_db()
    assert call.state == CallState.AWARDED


@pytest.mark.django_db
def test_officer_opens_a_divergence_with_the_proposal_attached(eu_officer, jp_officer, client_for):
    call, (proposal,) = make_call_in_evaluation(1)
    make_final_consensus(side_evaluation(proposal, "EU"), EU_PASS, officer=eu_officer)
    make_final_consensus(side_evaluation(proposal, "JP"), JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=call):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    client_for(jp_officer).post(
        reverse("evaluation:selection", args=[call.pk]),
        {"action": "divergence", "proposal": proposal.pk, "subject": "JP wishes to select, EU does not"},
    )
    link = DivergenceLink.objects.get(object_id=proposal.pk, content_type__model="proposal")
    assert Divergence.objects.get(pk=link.divergence_id).subject == "JP wishes to select, EU does not"
    with pytest.raises(ValidationError):
        services.open_divergence(proposal, by=make_user("JP", "evaluator"), subject="Not an officer")


@pytest.mark.django_db(transaction=True)
def test_concurrent_funding_decisions_cannot_overshoot_the_budget(eu_officer, jp_officer):
    call, proposals = make_call_in_evaluation(2, eu_cap_minor=150_000_000)
    for p in proposals:
        make_final_consensus(side_evaluation(p, "EU"), EU_PASS, officer=eu_officer)
        make_final_consensus(side_evaluation(p, "JP"), JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=call):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    selection = SelectionList.objects.get(call=call)
    for entry in selection.entries.all():
        services.record_selection(entry, SelectionOutcome.SELECTED, by=eu_officer)
    services.approve_selection(selection, by=eu_officer)
    services.approve_selection(selection, by=jp_officer)
    partners = [p.partners.get(side__code="EU") for p in proposals]  # each requested 100M; cap 150M
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(partner):
        try:
            barrier.wait()
            services.record_funding(partner, 100_000_000, by=eu_officer)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(p,)) for p in partners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert sum(FundingDecision.objects.values_list("amount_minor", flat=True)) == 100_000_000
