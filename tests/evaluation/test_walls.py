"""The walls between the Sides, tried from the other Side (officer, evaluator, researcher), by an
evaluator with a conflict and by an evaluator not assigned: pages, selectors and aggregates."""

import pytest
from django.urls import reverse

from evaluation import selectors, services
from evaluation.models import CallEvaluation
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
def world(eu_officer, jp_officer, eu_researcher, jp_researcher):
    """One proposal evaluated on both Sides, nothing released: an active EU evaluator with a submitted
    review, an EU evaluator who declared a conflict, an EU evaluator not assigned, and the JP side's own."""
    evaluated_call, (proposal,) = make_call_in_evaluation(1)
    eu, jp = side_evaluation(proposal, "EU"), side_evaluation(proposal, "JP")
    eu_reviewer = make_user("EU", "evaluator", last_name="Schmidt-Reviewer")
    eu_assignment = make_assignment(eu, eu_reviewer, officer=eu_officer)
    eu_review = make_review(eu_assignment, EU_PASS)
    conflicted = make_user("EU", "evaluator")
    conflict_assignment = make_assignment(eu, conflicted, officer=eu_officer, declare=False)
    services.declare_conflict(conflict_assignment, by=conflicted, conflict_type="competitor")
    jp_reviewer = make_user("JP", "evaluator")
    jp_assignment = make_assignment(jp, jp_reviewer, officer=jp_officer)
    make_review(jp_assignment, JP_PASS)
    eu_consensus = make_final_consensus(eu, EU_PASS, officer=eu_officer)
    return {
        "proposal": proposal,
        "eu": eu,
        "jp": jp,
        "eu_reviewer": eu_reviewer,
        "eu_assignment": eu_assignment,
        "eu_review": eu_review,
        "eu_consensus": eu_consensus,
        "conflicted": conflicted,
        "conflict_assignment": conflict_assignment,
        "unassigned": make_user("EU", "evaluator"),
        "jp_reviewer": jp_reviewer,
        "eu_officer": eu_officer,
        "jp_officer": jp_officer,
        "eu_researcher": eu_researcher,
        "jp_researcher": jp_researcher,
        "eu_call": CallEvaluation.objects.get(call=evaluated_call, side__code="EU"),
    }


OUTSIDERS = ["jp_officer", "jp_reviewer", "jp_researcher", "conflicted", "unassigned", "eu_researcher"]


def eu_pages(w):
    return [
        reverse("evaluation:assignment", args=[w["eu_assignment"].pk]),
        reverse("evaluation:review", args=[w["eu_assignment"].pk]),
        reverse("evaluation:review_detail", args=[w["eu_review"].pk]),
        reverse("evaluation:call", args=[w["eu_call"].pk]),
        reverse("evaluation:eligibility", args=[w["eu"].pk]),
        reverse("evaluation:assign", args=[w["eu"].pk]),
        reverse("evaluation:consensus", args=[w["eu"].pk]),
        reverse("evaluation:ranking", args=[w["eu_call"].pk]),
        reverse("evaluation:release", args=[w["eu_call"].pk]),
    ]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_outside_the_eu_wall_reaches_any_eu_evaluation_page(world, who, client_for):
    client = client_for(world[who])
    for url in eu_pages(world):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "assign"}).status_code == 404, url


def test_the_eu_officer_reaches_every_eu_page(world, client_for):
    client = client_for(world["eu_officer"])
    for url in eu_pages(world)[2:]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", OUTSIDERS)
def test_selectors_give_outsiders_nothing_of_the_eu_side(world, who):
    user = world[who]
    assert not selectors.reviews_for_user(user).filter(assignment__side__code="EU").exists()
    assert not selectors.consensus_for_user(user).filter(evaluation__side__code="EU").exists()
    assert not selectors.proposal_evaluations_for_user(user).filter(side__code="EU").exists()
    assert selectors.progress_for_user(user, world["eu_call"]) is None
    own = selectors.assignments_for_user(user).filter(side__code="EU")
    # The conflicted evaluator keeps only their own (ended) assignment, nobody else's.
    assert set(own) <= ({world["conflict_assignment"]} if who == "conflicted" else set())


def test_conflicted_evaluator_sees_only_title_and_consortium_and_no_reviews(world, client_for):
    world["eu"].reviewers_see_each_other = True
    world["eu"].save()
    response = client_for(world["conflicted"]).get(
        reverse("evaluation:assignment", args=[world["conflict_assignment"].pk])
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert world["proposal"].title in body
    assert world["proposal"].abstract not in body
    assert reverse("evaluation:review_detail", args=[world["eu_review"].pk]) not in body
    assert not world["conflicted"].has_perm("proposals.view_proposal", world["proposal"])


def test_pending_evaluator_sees_only_title_and_consortium(world, client_for):
    pending = make_user("EU", "evaluator")
    assignment = make_assignment(world["eu"], pending, officer=world["eu_officer"], declare=False)
    body = client_for(pending).get(reverse("evaluation:assignment", args=[assignment.pk])).content.decode()
    assert world["proposal"].title in body and world["proposal"].abstract not in body
    assert client_for(pending).get(reverse("evaluation:review", args=[assignment.pk])).status_code == 404


def test_co_reviewers_see_each_other_only_after_submitting_and_when_the_officer_allows(world, client_for):
    second = make_user("EU", "evaluator")
    second_assignment = make_assignment(world["eu"], second, officer=world["eu_officer"])
    draft = make_review(second_assignment, EU_PASS, submit=False)
    url = reverse("evaluation:review_detail", args=[world["eu_review"].pk])
    services.set_reviewers_see_each_other(world["eu"], True, by=world["eu_officer"])
    assert client_for(second).get(url).status_code == 404  # not submitted yet
    services.submit_review(draft, by=second)
    assert client_for(second).get(url).status_code == 200
    # The reviewer never sees a co-reviewer's draft, and never with the officer's choice off.
    services.set_reviewers_see_each_other(world["eu"], False, by=world["eu_officer"])
    assert client_for(second).get(url).status_code == 404


def test_after_release_the_other_side_sees_consensus_and_ranking_but_no_reviews_or_names(world, client_for):
    services.release_consensus(world["eu_call"], by=world["eu_officer"])
    jp = client_for(world["jp_officer"])
    ranking = jp.get(reverse("evaluation:ranking", args=[world["eu_call"].pk]))
    assert ranking.status_code == 200
    body = ranking.content.decode()
    assert world["proposal"].number in body and "Schmidt-Reviewer" not in body
    assert selectors.consensus_for_user(world["jp_officer"]).filter(pk=world["eu_consensus"].pk).exists()
    assert not selectors.reviews_for_user(world["jp_officer"]).filter(assignment__side__code="EU").exists()
    assert not selectors.assignments_for_user(world["jp_officer"]).filter(side__code="EU").exists()
    for url in eu_pages(world):
        if "ranking" not in url:
            assert jp.get(url).status_code == 404, url
    # Evaluators and researchers of the other Side still see nothing.
    assert (
        client_for(world["jp_reviewer"])
        .get(reverse("evaluation:ranking", args=[world["eu_call"].pk]))
        .status_code
        == 404
    )
    assert not selectors.consensus_for_user(world["jp_reviewer"]).exists()


def test_unreleased_jp_ranking_stays_hidden_from_eu_officer(world, client_for):
    jp_call = CallEvaluation.objects.get(call=world["proposal"].call, side__code="JP")
    assert (
        client_for(world["eu_officer"]).get(reverse("evaluation:ranking", args=[jp_call.pk])).status_code
        == 404
    )


def test_summary_is_hidden_until_both_sides_decided(world, client_for):
    member = world["proposal"].members.get().user
    assert selectors.evaluation_summary_for(world["proposal"], member) is None
    assert (
        client_for(member).get(reverse("evaluation:summary", args=[world["proposal"].pk])).status_code == 404
    )


def test_evaluator_dashboard_lists_only_own_assignments(world, client_for):
    body = client_for(world["eu_reviewer"]).get(reverse("evaluation:home")).content.decode()
    assert world["proposal"].number in body
    body = client_for(world["unassigned"]).get(reverse("evaluation:home")).content.decode()
    assert world["proposal"].number not in body


def test_proposals_pages_show_nothing_to_an_evaluator_before_declaring_or_after_a_conflict(world):
    from proposals.selectors import proposals_for_user

    pending = make_user("EU", "evaluator")
    make_assignment(world["eu"], pending, officer=world["eu_officer"], declare=False)
    assert not proposals_for_user(pending).filter(pk=world["proposal"].pk).exists()
    assert not proposals_for_user(world["conflicted"]).filter(pk=world["proposal"].pk).exists()
    assert proposals_for_user(world["eu_reviewer"]).filter(pk=world["proposal"].pk).exists()


def test_conflicted_evaluator_gets_nothing_through_the_api(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world["conflicted"])
    world["eu"].reviewers_see_each_other = True
    world["eu"].save()
    assert client.get(f"/api/v1/evaluation/reviews/{world['eu_review'].pk}/").status_code == 404
    assert client.get("/api/v1/evaluation/reviews/").json()["count"] == 0
    assert client.get(f"/api/v1/evaluation/consensus/{world['eu_consensus'].pk}/").status_code == 404
    assert client.get(f"/api/v1/evaluation/rankings/{world['eu_call'].pk}/").status_code == 404
    listed = client.get("/api/v1/evaluation/assignments/").json()
    assert [a["id"] for a in listed["results"]] == [world["conflict_assignment"].pk]


def test_review_request_pages(world, client_for):
    from evaluation.enums import SelectionOutcome
    from evaluation.models import SelectionList

    jp_call = CallEvaluation.objects.get(call=world["proposal"].call, side__code="JP")
    make_final_consensus(world["jp"], JP_PASS, officer=world["jp_officer"])
    services.release_consensus(world["eu_call"], by=world["eu_officer"])
    services.release_consensus(jp_call, by=world["jp_officer"])
    selection = SelectionList.objects.get(call=world["proposal"].call)
    services.record_selection(selection.entries.get(), SelectionOutcome.NOT_SELECTED, by=world["eu_officer"])
    services.approve_selection(selection, by=world["eu_officer"])
    services.approve_selection(selection, by=world["jp_officer"])
    member = world["proposal"].members.get().user
    summary_url = reverse("evaluation:summary", args=[world["proposal"].pk])
    body = client_for(member).get(summary_url).content.decode()
    assert "Schmidt-Reviewer" not in body and "Not selected" in body
    client_for(member).post(summary_url, {"side": world["jp_officer"].side_id, "text": "Procedure question"})
    request_obj = world["proposal"].review_requests.get()
    url = reverse("evaluation:review_request", args=[request_obj.pk])
    assert client_for(world["eu_officer"]).get(url).status_code == 404
    assert client_for(world["jp_officer"]).get(reverse("evaluation:review_requests")).status_code == 200
    client_for(world["jp_officer"]).post(url, {"answer": "All good"})
    request_obj.refresh_from_db()
    assert request_obj.answer == "All good"
