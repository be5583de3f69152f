"""The officers' evaluation actions through the API, with the pages' rules: eligibility, removing an
assignment, the rapporteur, co-reviewers seeing each other's reviews, reopening a consensus. The
other Side gets 404 (its evaluation is behind the wall); someone on the right Side without the
role is refused."""

import pytest
from rest_framework.test import APIClient

from evaluation import services
from evaluation.enums import AssignmentState, ConsensusState
from evaluation.models import CallEvaluation
from tests.factories import (
    make_assignment,
    make_call_in_evaluation,
    make_final_consensus,
    make_review,
    make_user,
    side_evaluation,
)

from .conftest import EU_PASS

pytestmark = pytest.mark.django_db
API = "/api/v1/evaluation"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def eu_eval(eu_officer, jp_officer):
    _call, (proposal,) = make_call_in_evaluation(1)
    return side_evaluation(proposal, "EU")


def test_eligibility_list_is_the_officers_own_side_only(eu_eval, eu_officer, jp_officer, eu_evaluator):
    mine = api(eu_officer).get(f"{API}/proposal-evaluations/", {"call": eu_eval.proposal.call_id})
    assert mine.status_code == 200
    assert [(r["id"], r["side"], r["eligible"]) for r in mine.json()["results"]] == [(eu_eval.pk, "EU", True)]
    assert api(jp_officer).get(f"{API}/proposal-evaluations/{eu_eval.pk}/").status_code == 404
    assert eu_eval.pk not in [
        r["id"] for r in api(jp_officer).get(f"{API}/proposal-evaluations/").json()["results"]
    ]
    assert api(eu_evaluator).get(f"{API}/proposal-evaluations/").json()["count"] == 0


def test_officer_declares_a_proposal_ineligible_through_the_api(
    eu_eval, eu_officer, jp_officer, eu_evaluator
):
    assignment = make_assignment(eu_eval, eu_evaluator, officer=eu_officer)
    url = f"{API}/proposal-evaluations/{eu_eval.pk}/eligibility/"
    assert api(jp_officer).post(url, {"eligible": False, "reason": "Out of scope"}).status_code == 404
    assert api(eu_evaluator).post(url, {"eligible": False, "reason": "Out of scope"}).status_code == 404
    no_reason = api(eu_officer).post(url, {"eligible": False})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    response = api(eu_officer).post(url, {"eligible": False, "reason": "Out of scope"})
    assert response.status_code == 200
    assert (response.json()["eligible"], response.json()["ineligibility_reason"]) == (False, "Out of scope")
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.REMOVED  # its open assignments ended
    assert side_evaluation(eu_eval.proposal, "JP").eligible is True  # the JP Side decides its own
    assert api(eu_officer).post(url, {"eligible": True}).json()["eligible"] is True


def test_officer_removes_an_assignment_through_the_api(eu_eval, eu_officer, jp_officer, eu_evaluator):
    assignment = make_assignment(eu_eval, eu_evaluator, officer=eu_officer)
    url = f"{API}/assignments/{assignment.pk}/remove/"
    assert api(jp_officer).post(url).status_code == 404
    assert api(eu_evaluator).post(url).status_code == 403  # their own assignment, not theirs to end
    response = api(eu_officer).post(url)
    assert response.status_code == 200 and response.json()["state"] == AssignmentState.REMOVED
    assert not eu_evaluator.has_perm("proposals.view_proposal", eu_eval.proposal)
    assert api(eu_officer).post(url).status_code == 403  # already ended


def test_officer_names_the_rapporteur_through_the_api(eu_eval, eu_officer, jp_officer, eu_evaluator):
    make_assignment(eu_eval, eu_evaluator, officer=eu_officer)
    url = f"{API}/proposal-evaluations/{eu_eval.pk}/rapporteur/"
    assert api(jp_officer).post(url, {"rapporteur": eu_evaluator.pk}, format="json").status_code == 404
    assert api(eu_evaluator).post(url, {"rapporteur": eu_evaluator.pk}, format="json").status_code == 404
    # Someone not on the proposal, of the other Side or who does not exist: one answer.
    answers = [
        api(eu_officer).post(url, {"rapporteur": pk}, format="json")
        for pk in (make_user("EU", "evaluator").pk, make_user("JP", "evaluator").pk, 10**12)
    ]
    assert {a.status_code for a in answers} == {400} and len({str(a.json()) for a in answers}) == 1
    response = api(eu_officer).post(url, {"rapporteur": eu_evaluator.pk}, format="json")
    assert response.status_code == 200 and response.json()["rapporteur"] == eu_evaluator.pk
    # The rapporteur may now write the consensus; naming nobody takes it back.
    consensus = {"evaluation": eu_eval.pk, "lock_version": 0, "majority_view": "Agreed."}
    assert api(eu_evaluator).post(f"{API}/consensus/", consensus, format="json").status_code == 200
    assert api(eu_officer).post(url, {"rapporteur": None}, format="json").json()["rapporteur"] is None
    consensus["lock_version"] = 1
    assert api(eu_evaluator).post(f"{API}/consensus/", consensus, format="json").status_code == 404


def test_officer_lets_co_reviewers_see_each_others_reviews_through_the_api(
    eu_eval, eu_officer, jp_officer, eu_evaluator, eu_evaluator2
):
    mine = make_review(make_assignment(eu_eval, eu_evaluator, officer=eu_officer), EU_PASS)
    theirs = make_review(make_assignment(eu_eval, eu_evaluator2, officer=eu_officer), EU_PASS)
    reviewer = api(eu_evaluator)
    assert reviewer.get(f"{API}/reviews/{theirs.pk}/").status_code == 404
    url = f"{API}/proposal-evaluations/{eu_eval.pk}/co-review-visibility/"
    assert api(jp_officer).post(url, {"visible": True}).status_code == 404
    assert reviewer.post(url, {"visible": True}).status_code == 404
    assert api(eu_officer).post(url, {"visible": "maybe"}).status_code == 400
    response = api(eu_officer).post(url, {"visible": True})
    assert response.status_code == 200 and response.json()["reviewers_see_each_other"] is True
    assert reviewer.get(f"{API}/reviews/{theirs.pk}/").status_code == 200
    assert api(eu_evaluator2).get(f"{API}/reviews/{mine.pk}/").status_code == 200
    assert api(jp_officer).get(f"{API}/reviews/{theirs.pk}/").status_code == 404
    api(eu_officer).post(url, {"visible": False})
    assert reviewer.get(f"{API}/reviews/{theirs.pk}/").status_code == 404


def test_officer_reopens_a_final_consensus_through_the_api_until_release(
    eu_eval, eu_officer, jp_officer, eu_evaluator
):
    make_assignment(eu_eval, eu_evaluator, officer=eu_officer)
    services.name_rapporteur(eu_eval, eu_evaluator, by=eu_officer)
    consensus = make_final_consensus(eu_eval, EU_PASS, officer=eu_officer)
    url = f"{API}/consensus/{consensus.pk}/reopen/"
    assert api(jp_officer).post(url).status_code == 404
    assert api(eu_evaluator).post(url).status_code == 403  # the rapporteur writes, officers reopen
    response = api(eu_officer).post(url)
    assert response.status_code == 200 and response.json()["state"] == ConsensusState.DRAFT
    assert api(eu_officer).post(url).status_code == 403  # a draft is not reopened
    services.finalise_consensus(consensus, by=eu_officer)
    services.release_consensus(CallEvaluation.objects.get(pk=eu_eval.call_evaluation_id), by=eu_officer)
    assert api(eu_officer).post(url).status_code == 403  # released: the Side's evaluation is closed
    assert api(jp_officer).post(url).status_code == 403  # now visible to the JP Side, still not theirs
    consensus.refresh_from_db()
    assert consensus.state == ConsensusState.FINAL


@pytest.mark.parametrize("n", [1, 5])
def test_eligibility_list_query_count_is_flat(eu_officer, n, django_assert_num_queries):
    make_call_in_evaluation(n)
    client = api(eu_officer)
    client.get(f"{API}/proposal-evaluations/")
    with django_assert_num_queries(2):  # the count and the page
        assert client.get(f"{API}/proposal-evaluations/").json()["count"] == n
