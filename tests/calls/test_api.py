"""The calls API, per role and Side, through the same services as the pages."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from calls import services
from calls.enums import CallState
from calls.models import Call, Topic
from tests.calls.helpers import approved_draft, in_force_version, plan_data, published_call
from tests.factories import TopicFactory, make_call, make_user

pytestmark = pytest.mark.django_db
API = "/api/v1"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_anyone_reads_published_calls_with_the_deadline_in_three_zones():
    deadline = dt.datetime(2026, 10, 30, 16, 0, tzinfo=dt.UTC)
    call = make_call(state=CallState.OPEN, deadline=deadline, opens_at=deadline - dt.timedelta(days=60))
    draft = make_call(state=CallState.DRAFT)
    response = api().get(f"{API}/calls/")
    assert response.status_code == 200
    ids = [c["id"] for c in response.json()["results"]]
    assert call.pk in ids and draft.pk not in ids
    body = api().get(f"{API}/calls/{call.pk}/").json()
    assert body["deadline_utc"] == "2026-10-30T16:00:00+00:00"
    assert body["deadline_tokyo"] == "2026-10-31T01:00:00+09:00"
    assert body["deadline_brussels"] == "2026-10-30T17:00:00+01:00"
    assert {b["side"] for b in body["budgets"]} == {"EU", "JP"}
    assert api().get(f"{API}/calls/{draft.pk}/").status_code == 404


def test_anonymous_visitors_cannot_write():
    call = make_call(state=CallState.DRAFT)
    assert api().post(f"{API}/calls/{call.pk}/publish/").status_code in (401, 403)
    assert api().get(f"{API}/topics/").status_code in (401, 403)


@pytest.mark.parametrize("side_code", ["EU", "JP"])
def test_officers_of_each_side_see_drafts(side_code):
    draft = make_call(state=CallState.DRAFT)
    officer = make_user(side_code, "officer")
    ids = [c["id"] for c in api(officer).get(f"{API}/calls/", {"state": "draft"}).json()["results"]]
    assert ids == [draft.pk]


@pytest.mark.parametrize("role", ["researcher", "evaluator", "observer", "expert"])
@pytest.mark.parametrize("side_code", ["EU", "JP"])
def test_other_roles_neither_see_drafts_nor_act(role, side_code, eu_officer):
    user = make_user(side_code, role)
    draft = make_call(state=CallState.DRAFT)
    client = api(user)
    assert client.get(f"{API}/calls/{draft.pk}/").status_code == 404
    assert client.post(f"{API}/calls/", {}, format="json").status_code == 403
    assert client.get(f"{API}/plans/").json()["results"] == []
    topic = services.propose_topic(by=eu_officer, title="Hidden", description="d", challenge="energy")
    assert client.get(f"{API}/topics/{topic.pk}/").status_code == 404
    assert client.post(f"{API}/topics/{topic.pk}/agree/").status_code == 404


def test_topics_through_the_api_from_proposal_to_agreement(eu_officer, jp_officer):
    response = api(jp_officer).post(
        f"{API}/topics/",
        {"title": "Quantum materials for energy", "description": "d", "challenge": "energy"},
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    assert api(jp_officer).post(f"{API}/topics/{pk}/agree/").json() == {
        "approved_by_sides": ["JP"],
        "complete": False,
    }
    assert api(eu_officer).post(f"{API}/topics/{pk}/agree/").json()["complete"] is True
    assert api(eu_officer).post(f"{API}/topics/{pk}/agree/").status_code == 403
    stale = api(eu_officer).patch(f"{API}/topics/{pk}/", {"title": "X", "revision": 0}, format="json")
    assert stale.status_code == 409
    edited = api(eu_officer).patch(f"{API}/topics/{pk}/", {"title": "X", "revision": 1}, format="json")
    assert edited.json()["is_agreed"] is False and edited.json()["revision"] == 2


def test_an_expert_answers_through_the_api_and_sees_only_their_topic(eu_officer):
    expert = make_user("JP", "expert")
    asked = services.propose_topic(by=eu_officer, title="Asked", description="d", challenge="energy")
    services.propose_topic(by=eu_officer, title="Not asked", description="d", challenge="energy")
    response = api(eu_officer).post(f"{API}/topics/{asked.pk}/request-opinion/", {"expert": expert.pk})
    assert response.status_code == 201
    opinion_id = response.json()["id"]
    titles = [t["title"] for t in api(expert).get(f"{API}/topics/").json()["results"]]
    assert titles == ["Asked"]
    bad = api(expert).post(f"{API}/opinions/{opinion_id}/answer/", {"stance": "maybe", "text": ""})
    assert bad.status_code == 400 and {"stance", "text"} <= set(bad.json())
    ok = api(expert).post(
        f"{API}/opinions/{opinion_id}/answer/", {"stance": "opposition", "text": "Too early."}
    )
    assert ok.status_code == 200 and ok.json()["stance"] == "opposition"
    other_expert = make_user("EU", "expert")
    assert api(other_expert).post(f"{API}/opinions/{opinion_id}/answer/", {}).status_code == 404


def test_plans_through_the_api_are_in_force_after_both_approvals(eu_officer, jp_officer):
    data = plan_data()
    data["name"] = "API plan"
    for terms in data["terms"].values():
        terms.pop("conflict_types")
    response = api(eu_officer).post(f"{API}/plans/", data, format="json")
    assert response.status_code == 201, response.json()
    version_id = response.json()["id"]
    api(eu_officer).post(f"{API}/plan-versions/{version_id}/approve/")
    result = api(jp_officer).post(f"{API}/plan-versions/{version_id}/approve/").json()
    assert result == {"approved_by_sides": ["EU", "JP"], "complete": True}
    plan_id = response.json()["plan"]
    new = api(jp_officer).post(f"{API}/plans/{plan_id}/new-version/", data, format="json")
    assert new.status_code == 201 and new.json()["number"] == 2
    assert new.json()["approved_by_sides"] == [] and new.json()["in_force_since"] is None


def test_a_bad_plan_gets_400_naming_the_field(eu_officer):
    data = plan_data()
    data["name"] = "Bad"
    for terms in data["terms"].values():
        terms.pop("conflict_types")
    data["terms"]["JP"]["criteria"][0]["threshold"] = "9"
    response = api(eu_officer).post(f"{API}/plans/", data, format="json")
    assert response.status_code == 400
    assert "jp_criteria" in response.json()


def test_calls_through_the_api_from_draft_to_published(eu_officer, jp_officer):
    version = in_force_version(eu_officer, jp_officer)
    topic = TopicFactory()
    now = timezone.now()
    payload = {
        "title": "API call",
        "identifier": "EUJ-API-1",
        "description": "d",
        "topics": [topic.pk],
        "plan_version": version.pk,
        "opens_at": (now + dt.timedelta(days=1)).isoformat(),
        "deadline": (now + dt.timedelta(days=30)).isoformat(),
        "eu_cap_minor": 800_000_000,
        "eu_per_proposal_cap_minor": 1,
        "jp_cap_minor": 1,
        "jp_per_proposal_cap_minor": 1,
    }
    refused = api(eu_officer).post(f"{API}/calls/", payload, format="json")
    assert refused.status_code == 400 and "eu_cap_minor" in refused.json()
    payload["eu_cap_minor"] = 500_000_000
    created = api(eu_officer).post(f"{API}/calls/", payload, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert api(jp_officer).post(f"{API}/calls/{pk}/publish/").status_code == 400
    api(eu_officer).post(f"{API}/calls/{pk}/approve-text/")
    api(jp_officer).post(f"{API}/calls/{pk}/approve-text/")
    stale = api(jp_officer).patch(f"{API}/calls/{pk}/", {"title": "New", "text_revision": 0}, format="json")
    assert stale.status_code == 409
    published = api(jp_officer).post(f"{API}/calls/{pk}/publish/")
    assert published.status_code == 200 and published.json()["state"] == "published"
    illegal = api(jp_officer).post(f"{API}/calls/{pk}/transition/", {"to": "archived"})
    assert illegal.status_code == 400
    assert "cannot become" in illegal.json()["non_field_errors"][0]


def test_editing_a_call_through_the_api_withdraws_approvals(eu_officer, jp_officer):
    call = approved_draft(eu_officer, jp_officer)
    response = api(eu_officer).patch(
        f"{API}/calls/{call.pk}/", {"jp_cap_minor": 700_000_000, "text_revision": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["text_revision"] == 2
    assert Call.objects.get(pk=call.pk).budgets.get(side__code="JP").cap_minor == 700_000_000
    assert api(eu_officer).post(f"{API}/calls/{call.pk}/publish/").status_code == 400


def test_deadline_change_through_the_api(eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    new = call.deadline + dt.timedelta(days=2)
    response = api(jp_officer).post(
        f"{API}/calls/{call.pk}/deadline-change/",
        {"new_deadline": new.isoformat(), "reason": "Outage"},
        format="json",
    )
    assert response.status_code == 201
    change_id = response.json()["id"]
    assert api().get(f"{API}/deadline-changes/{change_id}/").status_code == 404  # not applied yet
    assert api(jp_officer).post(f"{API}/deadline-changes/{change_id}/approve/").json()["complete"] is False
    assert api(eu_officer).post(f"{API}/deadline-changes/{change_id}/approve/").json()["complete"] is True
    assert Call.objects.get(pk=call.pk).deadline == new
    assert api().get(f"{API}/deadline-changes/{change_id}/").json()["reason"] == "Outage"


@pytest.mark.parametrize("n", [1, 5])
def test_api_call_list_query_count_is_flat(n, django_assert_num_queries):
    for _ in range(n):
        make_call(state=CallState.OPEN)
    api().get(f"{API}/calls/")  # warm-up: session and content-type caches
    # count, calls, budgets, topics, documents: one query each, whatever the number of calls
    with django_assert_num_queries(5):
        api().get(f"{API}/calls/")


@pytest.mark.parametrize("n", [1, 5])
def test_api_plan_version_list_query_count_is_flat(eu_officer, n, django_assert_num_queries):
    for _ in range(n):
        services.create_plan(by=eu_officer, name="P", **plan_data())
    api(eu_officer).get(f"{API}/plan-versions/")  # warm-up: session and content-type caches
    with django_assert_num_queries(6):
        api(eu_officer).get(f"{API}/plan-versions/")


def test_the_schema_describes_the_calls_api(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/calls/{id}/deadline-change/",
        "/api/v1/plan-versions/{id}/approve/",
        "/api/v1/topics/",
    ):
        assert path in text
    assert Topic.objects.count() == 0
