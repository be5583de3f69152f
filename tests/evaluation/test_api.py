"""The evaluation API: same services and walls as the pages (hidden => 404), per role and Side."""

import pytest
from rest_framework.test import APIClient

from evaluation import services
from evaluation.enums import AssignmentState, SelectionOutcome
from evaluation.models import CallEvaluation, FundingDecision, SelectionList
from proposals.models import Partner
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
API = "/api/v1/evaluation"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def one(eu_officer, jp_officer):
    call, (proposal,) = make_call_in_evaluation(1)
    return {
        "call": call,
        "proposal": proposal,
        "eu": side_evaluation(proposal, "EU"),
        "jp": side_evaluation(proposal, "JP"),
    }


def test_officer_assigns_through_the_api_and_other_side_gets_404(one, eu_officer, jp_officer, eu_evaluator):
    response = api(jp_officer).post(
        f"{API}/assignments/", {"evaluation": one["eu"].pk, "evaluator": eu_evaluator.pk}
    )
    assert response.status_code == 404
    response = api(eu_officer).post(
        f"{API}/assignments/", {"evaluation": one["eu"].pk, "evaluator": eu_evaluator.pk}
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert api(jp_officer).get(f"{API}/assignments/{pk}/").status_code == 404
    assert api(jp_officer).get(f"{API}/assignments/").json()["count"] == 0
    assert api(eu_officer).get(f"{API}/assignments/").json()["count"] == 1


def test_assigning_an_evaluator_of_the_other_side_is_a_400_naming_the_field(one, eu_officer, jp_evaluator):
    response = api(eu_officer).post(
        f"{API}/assignments/", {"evaluation": one["eu"].pk, "evaluator": jp_evaluator.pk}
    )
    assert response.status_code == 400
    assert "evaluator" in response.json()


def test_evaluator_declares_conflict_through_the_api(one, eu_officer, eu_evaluator):
    assignment = make_assignment(one["eu"], eu_evaluator, officer=eu_officer, declare=False)
    other = make_user("EU", "evaluator")
    url = f"{API}/assignments/{assignment.pk}/declare-conflict/"
    assert api(other).post(url, {"conflict_type": "competitor"}).status_code == 404
    bad = api(eu_evaluator).post(url, {"conflict_type": "mentor_student"})  # a JP type
    assert bad.status_code == 400 and "conflict_type" in bad.json()
    response = api(eu_evaluator).post(url, {"conflict_type": "competitor"})
    assert response.status_code == 200 and response.json()["state"] == AssignmentState.CONFLICT
    # Ended: no further declaration.
    assert api(eu_evaluator).post(url, {"conflict_type": "competitor"}).status_code == 403


def test_review_draft_submit_and_walls(one, eu_officer, eu_evaluator, jp_officer):
    assignment = make_assignment(one["eu"], eu_evaluator, officer=eu_officer)
    client = api(eu_evaluator)
    bad = client.post(
        f"{API}/reviews/", {"assignment": assignment.pk, "scores": {"impact": {"score": "7"}}}, format="json"
    )
    assert bad.status_code == 400 and "score_impact" in bad.json()
    response = client.post(
        f"{API}/reviews/",
        {
            "assignment": assignment.pk,
            "scores": {"excellence": {"score": "4", "comment": "Good"}},
            "confidence": "high",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    incomplete = client.post(f"{API}/reviews/{pk}/submit/")
    assert incomplete.status_code == 400 and "score_impact" in incomplete.json()
    client.patch(
        f"{API}/reviews/{pk}/",
        {"scores": {"impact": {"score": "3"}, "implementation": {"score": "3"}}},
        format="json",
    )
    assert client.post(f"{API}/reviews/{pk}/submit/").json()["state"] == "submitted"
    assert api(jp_officer).get(f"{API}/reviews/{pk}/").status_code == 404
    assert api(make_user("EU", "evaluator")).get(f"{API}/reviews/{pk}/").status_code == 404
    assert api(eu_officer).get(f"{API}/reviews/{pk}/").status_code == 200


def test_consensus_and_ranking_hidden_from_other_side_until_release(one, eu_officer, jp_officer):
    consensus = make_final_consensus(one["eu"], EU_PASS, officer=eu_officer)
    eu_call = CallEvaluation.objects.get(call=one["call"], side__code="EU")
    assert api(jp_officer).get(f"{API}/consensus/{consensus.pk}/").status_code == 404
    assert api(jp_officer).get(f"{API}/rankings/{eu_call.pk}/").status_code == 404
    assert api(jp_officer).post(f"{API}/rankings/{eu_call.pk}/release/").status_code == 404
    own = api(eu_officer).get(f"{API}/rankings/{eu_call.pk}/")
    assert own.status_code == 200 and own.json()["rows"][0]["weighted_total"] == "12.000"
    assert api(eu_officer).post(f"{API}/rankings/{eu_call.pk}/release/").status_code == 200
    assert api(jp_officer).get(f"{API}/consensus/{consensus.pk}/").status_code == 200
    assert api(jp_officer).get(f"{API}/rankings/{eu_call.pk}/").status_code == 200
    for outsider in (make_user("JP", "evaluator"), make_user("JP", "researcher")):
        assert api(outsider).get(f"{API}/consensus/{consensus.pk}/").status_code == 404
        assert api(outsider).get(f"{API}/rankings/{eu_call.pk}/").status_code == 404


def test_consensus_written_through_the_api_has_computed_totals(one, eu_officer, jp_officer):
    payload = {
        "evaluation": one["eu"].pk,
        "lock_version": 0,
        "scores": {k: {"score": str(v), "comment": "ok"} for k, v in EU_PASS.items()},
    }
    assert api(jp_officer).post(f"{API}/consensus/", payload, format="json").status_code == 404
    response = api(eu_officer).post(f"{API}/consensus/", {**payload, "total": "15"}, format="json")
    assert response.status_code == 200
    assert response.json()["total"] == "12.00"
    final = api(eu_officer).post(f"{API}/consensus/{response.json()['id']}/finalise/")
    assert final.json()["state"] == "final" and final.json()["passes_thresholds"] is True


def test_stale_consensus_write_through_the_api_is_a_409_and_changes_nothing(
    one, eu_officer, eu_evaluator, jp_officer
):
    make_assignment(one["eu"], eu_evaluator, officer=eu_officer)
    services.name_rapporteur(one["eu"], eu_evaluator, by=eu_officer)
    url = f"{API}/consensus/"
    first = {"evaluation": one["eu"].pk, "lock_version": 0, "majority_view": "The rapporteur's view"}
    saved = api(eu_evaluator).post(url, first, format="json")
    assert saved.status_code == 200 and saved.json()["lock_version"] == 1
    stale = api(eu_officer).post(url, {**first, "majority_view": "The officer's view"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_lock_version"] == 1 and "lock_version" in stale.json()
    assert (
        api(eu_officer).get(f"{url}{saved.json()['id']}/").json()["majority_view"] == "The rapporteur's view"
    )
    missing = api(eu_officer).post(url, {"evaluation": one["eu"].pk, "majority_view": "x"}, format="json")
    assert missing.status_code == 400 and "lock_version" in missing.json()
    fresh = api(eu_officer).post(
        url, {**first, "lock_version": 1, "majority_view": "The officer's view"}, format="json"
    )
    assert fresh.status_code == 200 and fresh.json()["majority_view"] == "The officer's view"
    # The other Side learns nothing, stale or not.
    assert api(jp_officer).post(url, {**first, "lock_version": 0}, format="json").status_code == 404


@pytest.fixture
def released(one, eu_officer, jp_officer):
    make_final_consensus(one["eu"], EU_PASS, officer=eu_officer)
    make_final_consensus(one["jp"], JP_PASS, officer=jp_officer)
    for ce in CallEvaluation.objects.filter(call=one["call"]):
        services.release_consensus(ce, by=eu_officer if ce.side.code == "EU" else jp_officer)
    return SelectionList.objects.get(call=one["call"])


def test_joint_selection_needs_both_approvals_of_the_same_version(
    released, one, eu_officer, jp_officer, eu_evaluator
):
    url = f"{API}/selections/{released.pk}/"
    assert api(eu_evaluator).get(url).status_code == 404
    entry = released.entries.get()
    response = api(eu_officer).post(
        url + "record/", {"entry": entry.pk, "outcome": SelectionOutcome.SELECTED}
    )
    assert response.status_code == 200
    version = response.json()["version"]
    assert api(eu_officer).post(url + "approve/", {"version": version}).json()["in_effect"] is False
    stale = api(jp_officer).post(url + "approve/", {"version": "0" * 64})
    assert stale.status_code == 400
    done = api(jp_officer).post(url + "approve/", {"version": version})
    assert done.json()["in_effect"] is True and done.json()["approved_sides"] == ["EU", "JP"]
    one["proposal"].refresh_from_db()
    assert one["proposal"].state == "selected"


def test_funding_through_the_api_respects_side_and_request(released, one, eu_officer, jp_officer):
    entry = released.entries.get()
    services.record_selection(entry, SelectionOutcome.SELECTED, by=eu_officer)
    services.approve_selection(released, by=eu_officer)
    services.approve_selection(released, by=jp_officer)
    jp_partner = one["proposal"].partners.get(side__code="JP")
    assert (
        api(eu_officer)
        .post(f"{API}/funding-decisions/", {"partner": jp_partner.pk, "amount_minor": 1})
        .status_code
        == 400
    )
    too_much = api(jp_officer).post(
        f"{API}/funding-decisions/",
        {"partner": jp_partner.pk, "amount_minor": jp_partner.requested_minor + 1},
    )
    assert too_much.status_code == 400 and "amount_minor" in too_much.json()
    ok = api(jp_officer).post(
        f"{API}/funding-decisions/", {"partner": jp_partner.pk, "amount_minor": 40_000_000}
    )
    assert ok.status_code == 201 and ok.json()["currency"] == "JPY"
    again = api(jp_officer).post(
        f"{API}/funding-decisions/", {"partner": jp_partner.pk, "amount_minor": 30_000_000}
    )
    assert again.status_code == 201
    assert api(make_user("JP", "researcher")).get(f"{API}/funding-decisions/").json()["count"] == 0


def test_funding_api_answers_the_same_for_another_sides_hidden_or_missing_partner(
    released, one, eu_officer, jp_officer
):
    """The partner id is looked up only among the caller's fundable participants, so the answer
    never tells an existing partner (of the other Side, or of a proposal the caller cannot fund)
    from an id that does not exist."""
    entry = released.entries.get()
    services.record_selection(entry, SelectionOutcome.SELECTED, by=eu_officer)
    services.approve_selection(released, by=eu_officer)
    services.approve_selection(released, by=jp_officer)
    _other_call, (hidden,) = make_call_in_evaluation(1)  # under evaluation, nobody's to fund
    eu_partner = one["proposal"].partners.get(side__code="EU")
    hidden_partner = hidden.partners.get(side__code="JP")
    missing = max(Partner.objects.values_list("pk", flat=True)) + 1000

    def answer(pk):
        response = api(jp_officer).post(f"{API}/funding-decisions/", {"partner": pk, "amount_minor": 1})
        return response.status_code, str(response.json()).replace(str(pk), "<id>")

    assert answer(eu_partner.pk) == answer(hidden_partner.pk) == answer(missing)
    assert answer(missing)[0] == 400
    assert not FundingDecision.objects.exists()
    jp_partner = one["proposal"].partners.get(side__code="JP")
    assert answer(jp_partner.pk)[0] == 201


def test_review_requests_through_the_api(released, one, eu_officer, jp_officer):
    entry = released.entries.get()
    services.record_selection(entry, SelectionOutcome.NOT_SELECTED, by=eu_officer)
    services.approve_selection(released, by=eu_officer)
    services.approve_selection(released, by=jp_officer)
    member = one["proposal"].members.get().user
    outsider = make_user("EU", "researcher")
    payload = {"proposal": one["proposal"].pk, "side": "EU", "text": "Only two experts read it."}
    assert api(outsider).post(f"{API}/review-requests/", payload).status_code == 404
    response = api(member).post(f"{API}/review-requests/", payload)
    assert response.status_code == 201
    pk = response.json()["id"]
    assert api(jp_officer).get(f"{API}/review-requests/{pk}/").status_code == 404
    assert (
        api(eu_officer).post(f"{API}/review-requests/{pk}/answer/", {"answer": "Three did."}).status_code
        == 200
    )
    assert api(member).get(f"{API}/review-requests/{pk}/").json()["answer"] == "Three did."


@pytest.mark.parametrize("n", [1, 5])
def test_assignment_list_query_count_is_flat(eu_officer, n, django_assert_max_num_queries):
    _call, proposals = make_call_in_evaluation(n)
    for p in proposals:
        make_review(make_assignment(side_evaluation(p, "EU"), officer=eu_officer), EU_PASS)
    client = api(eu_officer)
    with django_assert_max_num_queries(8):
        assert client.get(f"{API}/assignments/").json()["count"] == n
    with django_assert_max_num_queries(10):
        assert client.get(f"{API}/reviews/").json()["count"] == n
