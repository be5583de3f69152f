"""Locks taken by the dual approvals and transitions, wall-clock times around DST, flat officer lists."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls import services
from calls.enums import CallState
from calls.forms import CallForm, DeadlineChangeForm
from tests.calls.helpers import draft_call, plan_data, published_call
from tests.factories import make_call

pytestmark = pytest.mark.django_db


def _locked_tables(queries) -> list[str]:
    return [q["sql"].split('FROM "')[1].split('"')[0] for q in queries if "FOR UPDATE" in q["sql"]]


def test_agreeing_to_a_topic_locks_the_topic_row_first(eu_officer):
    topic = services.propose_topic(by=eu_officer, title="T", description="d", challenge="energy")
    with CaptureQueriesContext(connection) as ctx:
        services.agree_topic(topic, by=eu_officer)
    assert _locked_tables(ctx.captured_queries)[0] == "calls_topic"


def test_approving_a_plan_version_locks_the_plan_row(eu_officer):
    version = services.create_plan(by=eu_officer, name="P", **plan_data())
    with CaptureQueriesContext(connection) as ctx:
        services.approve_plan_version(version, by=eu_officer)
    assert _locked_tables(ctx.captured_queries)[0] == "calls_partnershipplan"


def test_approving_the_text_and_moving_the_deadline_lock_the_call_row(eu_officer, jp_officer):
    call = draft_call(eu_officer, jp_officer)
    with CaptureQueriesContext(connection) as ctx:
        services.approve_call_text(call, by=eu_officer)
    assert _locked_tables(ctx.captured_queries) == ["calls_call"]
    call = published_call(eu_officer, jp_officer)
    change = services.request_deadline_change(
        call, by=eu_officer, new_deadline=call.deadline + dt.timedelta(days=1), reason="Outage"
    )
    with CaptureQueriesContext(connection) as ctx:
        services.approve_deadline_change(change, by=jp_officer)
    assert _locked_tables(ctx.captured_queries)[:2] == ["calls_call", "calls_deadlinechange"]


def test_a_transition_locks_the_call_row(jp_officer):
    call = make_call(state=CallState.CLOSED, deadline=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                     opens_at=dt.datetime(2025, 10, 1, tzinfo=dt.UTC))  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        services.start_evaluation(call, by=jp_officer)
    assert _locked_tables(ctx.captured_queries)[0] == "calls_call"


@pytest.mark.parametrize(
    ("wall_clock", "zone"),
    [
        ("2026-03-29T02:30", "Europe/Brussels"),  # skipped by the spring change
        ("2026-10-25T02:30", "Europe/Brussels"),  # happens twice in the autumn
    ],
)
def test_a_time_that_does_not_exist_or_happens_twice_is_refused(wall_clock, zone):
    form = DeadlineChangeForm({"zone": zone, "new_deadline": wall_clock, "reason": "Outage"})
    assert not form.is_valid()
    assert "clock change" in form.errors["new_deadline"][0]


def test_tokyo_has_no_clock_change_so_the_same_time_is_accepted_there():
    form = DeadlineChangeForm({"zone": "Asia/Tokyo", "new_deadline": "2026-03-29T02:30", "reason": "Outage"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["new_deadline"] == dt.datetime(2026, 3, 28, 17, 30, tzinfo=dt.UTC)


def test_the_edit_form_shows_stored_instants_in_the_chosen_zone(eu_officer, jp_officer):
    call = draft_call(eu_officer, jp_officer, deadline=dt.datetime(2031, 10, 30, 16, 0, tzinfo=dt.UTC))
    initial = CallForm.initial_from(call, "Europe/Brussels")
    assert initial["deadline"] == "2031-10-30T17:00"
    assert CallForm.initial_from(call, "Asia/Tokyo")["deadline"] == "2031-10-31T01:00"


@pytest.mark.parametrize("n", [1, 5])
def test_officer_call_list_with_drafts_is_flat(client_eu_officer, n, django_assert_num_queries):
    for _ in range(n):
        make_call(state=CallState.DRAFT)
        make_call(state=CallState.OPEN)
    client_eu_officer.get(reverse("calls:list"))  # warm-up: session and content-type caches
    with django_assert_num_queries(9):
        response = client_eu_officer.get(reverse("calls:list"))
    assert response.content.decode().count("EUJ-QST-TEST-") >= 2 * n


@pytest.mark.parametrize("n", [1, 5])
def test_call_detail_is_flat_in_deadline_changes(
    client_eu_officer, eu_officer, jp_officer, n, django_assert_num_queries
):
    call = published_call(eu_officer, jp_officer)
    for i in range(n):
        change = services.request_deadline_change(
            call, by=eu_officer, new_deadline=call.deadline + dt.timedelta(days=i + 1), reason="Outage"
        )
        services.withdraw_deadline_change(change, by=eu_officer)
    client_eu_officer.get(reverse("calls:detail", args=[call.pk]))  # warm-up: session and content-type caches
    with django_assert_num_queries(12):
        client_eu_officer.get(reverse("calls:detail", args=[call.pk]))
