"""Calls: drafting rules, approval of the text, every transition and its guard, deadline changes."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from calls import services
from calls.enums import ALLOWED_TRANSITIONS, CallState
from calls.models import Call
from loi_portal.models import AuditEntry
from loi_portal.services import approved_sides
from tests.calls.helpers import (
    approved_draft,
    budgets,
    draft_call,
    in_force_version,
    plan_data,
    published_call,
)
from tests.factories import TopicFactory, make_call, make_user

# time-machine travels Python's clock: the portal's one clock follows it here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("python_clock")]


def test_opening_after_the_deadline_is_refused_naming_the_field(eu_officer, jp_officer):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        draft_call(eu_officer, jp_officer, opens_at=now + dt.timedelta(days=40))
    assert "opens_at" in exc.value.message_dict


def test_a_budget_above_the_plan_is_refused_naming_the_side(eu_officer, jp_officer):
    with pytest.raises(ValidationError) as exc:
        draft_call(eu_officer, jp_officer, budgets=budgets(jp=1_000_000_001))
    assert "jp_cap_minor" in exc.value.message_dict
    assert "¥1,000,000,000" in exc.value.message_dict["jp_cap_minor"][0]


def test_a_per_proposal_cap_above_the_budget_is_refused(eu_officer, jp_officer):
    with pytest.raises(ValidationError) as exc:
        draft_call(eu_officer, jp_officer, budgets=budgets(eu=100, eu_per=200))
    assert "eu_per_proposal_cap_minor" in exc.value.message_dict


def test_only_agreed_topics_and_in_force_plans(eu_officer, jp_officer):
    with pytest.raises(ValidationError) as exc:
        draft_call(eu_officer, jp_officer, topics=[TopicFactory(is_agreed=False, agreed_at=None)])
    assert "topics" in exc.value.message_dict
    version = services.create_plan(by=eu_officer, name="P", **plan_data())
    with pytest.raises(ValidationError) as exc:
        draft_call(eu_officer, jp_officer, version=version)
    assert "plan_version" in exc.value.message_dict


def test_editing_the_text_withdraws_the_approvals(eu_officer, jp_officer):
    call = approved_draft(eu_officer, jp_officer)
    assert approved_sides(call, call.text_revision) == {"EU", "JP"}
    services.update_call(call, by=jp_officer, description="A joint call, reworded.")
    assert call.text_revision == 2
    assert approved_sides(call, 2) == set()
    with pytest.raises(ValidationError, match="Both Sides must approve revision 2"):
        services.publish_call(call, by=eu_officer)


def test_changing_the_budget_is_a_new_text_revision(eu_officer, jp_officer):
    call = approved_draft(eu_officer, jp_officer)
    services.update_call(call, by=eu_officer, budgets=budgets(eu=400_000_000))
    assert call.text_revision == 2
    assert call.budgets.get(side__code="EU").cap_minor == 400_000_000


def test_publishing_needs_both_sides_approval(eu_officer, jp_officer):
    call = draft_call(eu_officer, jp_officer)
    services.approve_call_text(call, by=eu_officer)
    with pytest.raises(ValidationError, match="Both Sides must approve"):
        services.publish_call(call, by=eu_officer)
    services.approve_call_text(call, by=jp_officer)
    with mock.patch("calls.scheduling.call_instants_changed") as scheduled:
        services.publish_call(call, by=eu_officer)
    scheduled.assert_called_once()
    call.refresh_from_db()
    assert call.state == CallState.PUBLISHED and call.published_at is not None
    assert AuditEntry.objects.filter(action="call.state", object_id=str(call.pk)).exists()


def test_publishing_a_deadline_in_the_past_is_refused(eu_officer, jp_officer):
    call = approved_draft(eu_officer, jp_officer, opens_in=-dt.timedelta(days=3))
    with (
        time_machine.travel(call.deadline + dt.timedelta(minutes=1)),
        pytest.raises(ValidationError) as exc,
    ):
        services.publish_call(call, by=eu_officer)
    assert "deadline" in exc.value.message_dict


def test_publishing_needs_agreed_topics_and_an_in_force_plan(eu_officer, jp_officer):
    call = make_call(state=CallState.DRAFT, topics=[TopicFactory(is_agreed=False, agreed_at=None)])
    services.approve_call_text(call, by=eu_officer)
    services.approve_call_text(call, by=jp_officer)
    with pytest.raises(ValidationError) as exc:
        services.publish_call(call, by=eu_officer)
    assert "topics" in exc.value.message_dict
    unapproved = make_call(state=CallState.DRAFT)
    unapproved.plan_version.in_force_since = None
    unapproved.plan_version.save()
    with pytest.raises(ValidationError) as exc:
        services.publish_call(unapproved, by=eu_officer)
    assert "plan_version" in exc.value.message_dict


def test_publishing_needs_both_budgets(eu_officer, jp_officer):
    call = make_call(state=CallState.DRAFT)
    call.budgets.filter(side__code="JP").delete()
    services.approve_call_text(call, by=eu_officer)
    services.approve_call_text(call, by=jp_officer)
    with pytest.raises(ValidationError) as exc:
        services.publish_call(call, by=eu_officer)
    assert "jp_cap_minor" in exc.value.message_dict


def test_publishing_is_refused_once_the_letter_is_discontinued(eu_officer, jp_officer):
    call = approved_draft(eu_officer, jp_officer)
    with (
        mock.patch("loi_portal.governance.new_calls_allowed", return_value=False),
        pytest.raises(ValidationError, match="discontinuation"),
    ):
        services.publish_call(call, by=eu_officer)


def test_the_call_opens_and_closes_at_its_instants_and_twice_is_a_no_op(eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    with pytest.raises(ValidationError, match="cannot open earlier"):
        services.open_call(call)
    with time_machine.travel(call.opens_at):
        services.open_call(call)
        services.open_call(call)
        assert call.state == CallState.OPEN
        with pytest.raises(ValidationError, match="has not passed"):
            services.close_call(call)
    with (
        time_machine.travel(call.deadline),
        mock.patch("proposals.services.on_call_closed") as closed_hook,
    ):
        services.close_call(call)
        services.close_call(call)
    closed_hook.assert_called_once()
    # Closing starts the evaluation at once; running it twice changes nothing more.
    assert Call.objects.get(pk=call.pk).state == CallState.UNDER_EVALUATION
    assert AuditEntry.objects.filter(action="call.state", object_id=str(call.pk)).count() == 4


def test_a_missed_opening_is_made_up_when_the_call_closes(eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    with time_machine.travel(call.deadline + dt.timedelta(seconds=1)):
        services.close_call(call)
    assert call.state == CallState.UNDER_EVALUATION


def test_the_system_cannot_do_the_officers_transitions(eu_officer, jp_officer):
    call = make_call(state=CallState.UNDER_EVALUATION, deadline=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="programme officer"):
        services.transition_call(call, CallState.SELECTION, by=None)


@pytest.mark.parametrize("role", ["researcher", "evaluator", "observer", "expert"])
def test_only_officers_move_a_call(role):
    call = make_call(state=CallState.CLOSED, deadline=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.start_evaluation(call, by=make_user("JP", role))


def test_the_later_transitions_run_their_hooks(jp_officer):
    call = make_call(state=CallState.CLOSED, deadline=timezone.now() - dt.timedelta(days=1))
    with mock.patch("evaluation.services.on_evaluation_started") as hook:
        services.start_evaluation(call, by=jp_officer)
    hook.assert_called_once()
    assert hook.call_args.kwargs == {"by": jp_officer}
    services.start_selection(call, by=jp_officer)
    services.award_call(call, by=jp_officer)
    services.archive_call(call, by=jp_officer)
    assert Call.objects.get(pk=call.pk).state == CallState.ARCHIVED


def test_a_published_call_returns_to_draft_only_before_it_opens(eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    with pytest.raises(ValidationError) as exc:
        services.unpublish_call(call, by=eu_officer, reason=" ")
    assert "reason" in exc.value.message_dict
    services.unpublish_call(call, by=eu_officer, reason="Typo in the topics")
    assert call.state == CallState.DRAFT
    late = published_call(eu_officer, jp_officer)
    with (
        time_machine.travel(late.opens_at + dt.timedelta(seconds=1)),
        pytest.raises(ValidationError, match="opening time"),
    ):
        services.unpublish_call(late, by=eu_officer, reason="Too late")


FORBIDDEN = [
    (frm, to) for frm in CallState.values for to in CallState.values if to not in ALLOWED_TRANSITIONS[frm]
]


@pytest.mark.parametrize(("frm", "to"), FORBIDDEN)
def test_every_forbidden_transition_is_refused_with_the_reason(frm, to, eu_officer):
    call = make_call(state=frm, deadline=timezone.now() + dt.timedelta(days=5))
    with pytest.raises(ValidationError) as exc:
        services.transition_call(call, to, by=eu_officer)
    message = " ".join(exc.value.messages)
    assert f"cannot become “{CallState(to).label}”" in message
    assert Call.objects.get(pk=call.pk).state == frm


def test_deadline_change_applies_on_the_second_sides_approval(eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    old = call.deadline
    new = old + dt.timedelta(days=2)
    change = services.request_deadline_change(call, by=eu_officer, new_deadline=new, reason="Portal outage")
    _change, applied = services.approve_deadline_change(change, by=eu_officer)
    assert applied is False
    assert Call.objects.get(pk=call.pk).deadline == old
    with mock.patch("calls.scheduling.call_instants_changed") as scheduled:
        _change, applied = services.approve_deadline_change(change, by=jp_officer)
    assert applied is True
    scheduled.assert_called_once()
    change.refresh_from_db()
    assert change.applied_at is not None and change.old_deadline == old
    assert Call.objects.get(pk=call.pk).deadline == new
    assert AuditEntry.objects.filter(action="call.deadline_changed", object_id=str(call.pk)).exists()


def test_a_deadline_change_needs_a_reason_and_a_future_instant(eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    with pytest.raises(ValidationError) as exc:
        services.request_deadline_change(
            call, by=eu_officer, new_deadline=timezone.now() - dt.timedelta(hours=1), reason=""
        )
    assert set(exc.value.message_dict) == {"reason", "new_deadline"}


def test_one_pending_deadline_change_at_a_time_and_it_can_be_withdrawn(eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    new = call.deadline + dt.timedelta(days=1)
    change = services.request_deadline_change(call, by=eu_officer, new_deadline=new, reason="Outage")
    with pytest.raises(ValidationError, match="waiting for approval"):
        services.request_deadline_change(call, by=jp_officer, new_deadline=new, reason="Outage")
    services.withdraw_deadline_change(change, by=jp_officer)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.approve_deadline_change(change, by=jp_officer)
    services.request_deadline_change(call, by=jp_officer, new_deadline=new, reason="Outage")


def test_a_draft_deadline_is_edited_not_changed_by_request(eu_officer, jp_officer):
    call = draft_call(eu_officer, jp_officer)
    with pytest.raises(ValidationError, match="edit a draft"):
        services.request_deadline_change(
            call, by=eu_officer, new_deadline=call.deadline + dt.timedelta(days=1), reason="x"
        )


def test_the_same_side_cannot_approve_a_deadline_change_twice(eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    change = services.request_deadline_change(
        call, by=eu_officer, new_deadline=call.deadline + dt.timedelta(days=1), reason="Outage"
    )
    services.approve_deadline_change(change, by=eu_officer)
    with pytest.raises(ValidationError, match="already approved"):
        services.approve_deadline_change(change, by=make_user("EU", "officer"))
    assert Call.objects.get(pk=call.pk).deadline == change.old_deadline


def test_a_plan_version_in_force_but_funding_too_small_for_the_call(eu_officer, jp_officer):
    version = in_force_version(eu_officer, jp_officer, eu_funding_minor=100)
    with pytest.raises(ValidationError) as exc:
        draft_call(eu_officer, jp_officer, version=version)
    assert "eu_cap_minor" in exc.value.message_dict
