"""One clock decides every instant: the database's. A web process or worker whose own clock runs 30 s
fast (time-machine moves Python's clock only) still judges the deadline by the database clock, so it can
neither close a call early nor refuse an on-time submission, edit or withdrawal."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from calls import scheduling, tasks
from calls import services as call_services
from calls.enums import CallState
from calls.models import Call
from loi_portal import clock
from proposals import permissions, services
from proposals.enums import ProposalState
from tests.factories import make_call
from tests.proposals.conftest import ready, start

pytestmark = pytest.mark.django_db

FAST = dt.timedelta(seconds=30)


def _call_closing_in(seconds: int) -> Call:
    call = make_call()
    Call.objects.filter(pk=call.pk).update(deadline=clock.now() + dt.timedelta(seconds=seconds))
    call.refresh_from_db()
    return call


def test_a_fast_process_cannot_close_a_call_before_the_database_deadline(eu_officer):
    call = _call_closing_in(10)
    with time_machine.travel(timezone.now() + FAST):
        assert timezone.now() > call.deadline  # the process believes the deadline has passed
        with pytest.raises(ValidationError) as refused:
            call_services.close_call(call)
        assert "has not passed" in refused.value.messages[0]
        assert scheduling.reconcile_calls()["closed"] == 0
        assert tasks.close_call_task.apply(args=(call.pk, call.deadline.isoformat())).result is False
        assert not permissions.can_list_call_proposals(eu_officer, call)
    call.refresh_from_db()
    assert call.state == CallState.OPEN


def test_a_fast_process_accepts_an_on_time_submit_edit_and_withdrawal(eu_researcher):
    call = _call_closing_in(10)
    submitted = ready(call, eu_researcher)
    edited = ready(call, eu_researcher)
    withdrawn = ready(call, eu_researcher)
    with time_machine.travel(timezone.now() + FAST):
        assert timezone.now() > call.deadline
        assert permissions.can_start_proposal(eu_researcher, call)
        assert start(call, eu_researcher).state == ProposalState.DRAFT

        assert permissions.can_submit_proposal(eu_researcher, submitted)
        assert services.submit_proposal(submitted, by=eu_researcher).version == 1

        assert permissions.can_edit_proposal(eu_researcher, edited)
        services.update_proposal(edited, by=eu_researcher, lock_version=edited.lock_version, title="On time")

        assert permissions.can_withdraw_proposal(eu_researcher, withdrawn)
        services.withdraw_proposal(withdrawn, by=eu_researcher, reason="on time")
    edited.refresh_from_db()
    withdrawn.refresh_from_db()
    assert edited.title == "On time"
    assert withdrawn.state == ProposalState.WITHDRAWN


def test_a_slow_process_cannot_accept_a_late_submission(eu_researcher):
    call = _call_closing_in(10)
    proposal = ready(call, eu_researcher)
    Call.objects.filter(pk=call.pk).update(deadline=clock.now() - dt.timedelta(seconds=1))
    with time_machine.travel(timezone.now() - FAST):
        assert not permissions.can_edit_proposal(eu_researcher, proposal)
        with pytest.raises(ValidationError):
            services.submit_proposal(proposal, by=eu_researcher)
