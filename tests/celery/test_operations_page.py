"""The officers' operations page: scheduled call instants, the outbox and failed jobs."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from calls.enums import CallState
from loi_portal.models import FailedJob, OutboxMessage, OutboxStatus, ScheduledTask
from loi_portal.notifications import notify
from tests.factories import make_call, make_user

pytestmark = pytest.mark.django_db

# The same whatever the number of calls, outbox messages and failed jobs.
QUERIES = 11


def _queue(user, status=OutboxStatus.PENDING, key=""):
    notify(
        [user],
        "invitation",
        {"role": "researcher", "link": "https://x.example/"},
        event="account.invite",
        dedupe_key=key,
    )
    message = OutboxMessage.objects.filter(to_address=user.email).latest("id")
    OutboxMessage.objects.filter(pk=message.pk).update(status=status, last_error="SMTP 421 try later")
    return message


def test_officers_see_the_instants_ahead_and_whether_a_countdown_is_queued(client_eu_officer):
    near = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(minutes=10))
    far = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(days=10))
    ScheduledTask.objects.create(task_name="calls.close_call", object_id=near.pk, eta=near.deadline)
    response = client_eu_officer.get(reverse("operations"))
    assert response.status_code == 200
    rows = {call.pk: call for call in response.context["calls"]}
    assert rows[near.pk].close_queued is True and rows[far.pk].close_queued is False
    assert near.identifier in response.content.decode()


def test_officers_see_outbox_counts_and_failed_jobs(client_eu_officer):
    eu = make_user("EU", "researcher")
    _queue(eu, OutboxStatus.FAILED, key="a")
    _queue(eu, OutboxStatus.SENT, key="b")
    _queue(eu, OutboxStatus.PENDING, key="c")
    FailedJob.objects.create(task_name="calls.reconcile_calls", exception="RuntimeError('boom')")
    response = client_eu_officer.get(reverse("operations"))
    counts = response.context["counts"]
    assert (counts["pending"], counts["sent"], counts["failed"]) == (1, 1, 1)
    body = response.content.decode()
    assert "SMTP 421 try later" in body and "calls.reconcile_calls" in body
    filtered = client_eu_officer.get(reverse("operations"), {"status": "failed"})
    assert [m.status for m in filtered.context["page"].object_list] == ["failed"]


def test_an_officer_retries_a_failed_message_and_it_is_sent(
    client_eu_officer, django_capture_on_commit_callbacks
):
    eu = make_user("EU", "researcher")
    message = _queue(eu, OutboxStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_eu_officer.post(reverse("operations_retry_outbox", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert [m.to for m in mail.outbox] == [[eu.email]]


def test_an_officer_of_the_other_side_neither_sees_nor_retries_a_sides_mail(client_jp_officer):
    message = _queue(make_user("EU", "researcher"), OutboxStatus.FAILED)
    response = client_jp_officer.get(reverse("operations"))
    assert message.to_address not in response.content.decode()
    assert response.context["counts"]["failed"] == 0
    retry = client_jp_officer.post(reverse("operations_retry_outbox", args=[message.pk]))
    assert retry.status_code == 404
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED


def test_researchers_do_not_reach_the_operations_page(client_eu_researcher):
    message = _queue(client_eu_researcher.user, OutboxStatus.FAILED)
    assert client_eu_researcher.get(reverse("operations")).status_code == 404
    assert client_eu_researcher.post(reverse("operations_retry_outbox", args=[message.pk])).status_code == 404


def test_the_page_has_empty_states(client_eu_officer):
    body = client_eu_officer.get(reverse("operations")).content.decode()
    assert "No e-mail in the outbox matches." in body and "No task has failed." in body


@pytest.mark.parametrize("n", [1, 5])
def test_the_operations_page_does_not_grow_in_queries(client_eu_officer, n, django_assert_num_queries):
    for i in range(n):
        make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(days=i + 1))
        _queue(make_user("EU", "researcher"), OutboxStatus.FAILED, key=f"k{i}")
        FailedJob.objects.create(task_name="calls.reconcile_calls", exception="RuntimeError()")
    client_eu_officer.get(reverse("operations"))  # warm the session and middleware caches
    with django_assert_num_queries(QUERIES):
        client_eu_officer.get(reverse("operations"))
