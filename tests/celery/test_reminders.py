"""Deadline reminders: 7 days, 24 hours and 1 hour before, once per proposal and milestone, in the
recipient's language and time zone; report reminders before their due dates."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from calls.enums import CallState
from loi_portal.models import OutboxMessage
from proposals.enums import ProposalState
from proposals.models import ConsortiumMember
from proposals.reminders import milestone_for, send_deadline_reminders
from proposals.tasks import send_deadline_reminders_task
from tests.factories import make_call, make_proposal, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("left", "milestone"),
    [
        (dt.timedelta(days=8), None),
        (dt.timedelta(days=7), "7d"),
        (dt.timedelta(days=2), "7d"),
        (dt.timedelta(hours=24), "24h"),
        (dt.timedelta(hours=2), "24h"),
        (dt.timedelta(minutes=59), "1h"),
        (dt.timedelta(seconds=-1), None),
    ],
)
def test_the_milestone_depends_on_the_time_left(left, milestone):
    now = timezone.now()
    assert milestone_for(now + left, now) == milestone


@pytest.fixture
def draft():
    call = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(days=3))
    proposal = make_proposal(call=call, coordinator=make_user("EU", "researcher", language="en"))
    jp = make_user("JP", "researcher", language="ja", time_zone="")
    ConsortiumMember.objects.create(proposal=proposal, user=jp, side=jp.side, joined_at=timezone.now())
    return proposal, jp


def test_each_member_of_an_unsubmitted_draft_is_reminded_once_per_milestone(draft):
    proposal, jp = draft
    deadline = proposal.call.deadline
    assert send_deadline_reminders_task.apply().get() == 2
    assert send_deadline_reminders_task.apply().get() == 0
    assert send_deadline_reminders(now=deadline - dt.timedelta(hours=23)) == 2
    assert send_deadline_reminders(now=deadline - dt.timedelta(hours=22)) == 0
    assert send_deadline_reminders(now=deadline - dt.timedelta(minutes=30)) == 2
    keys = sorted({m.dedupe_key.split("-")[3] for m in OutboxMessage.objects.all()})
    assert keys == ["1h", "24h", "7d"]
    assert OutboxMessage.objects.filter(to_address=jp.email).count() == 3


def test_the_reminder_shows_the_deadline_in_the_recipients_time_zone(
    draft, django_capture_on_commit_callbacks
):
    proposal, jp = draft
    with django_capture_on_commit_callbacks(execute=True):
        send_deadline_reminders()
    [to_jp] = [m for m in mail.outbox if m.to == [jp.email]]
    tokyo = timezone.localtime(proposal.call.deadline, jp.effective_time_zone)
    assert tokyo.strftime("%Y-%m-%d %H:%M") in to_jp.body and "Asia/Tokyo" in to_jp.body
    assert OutboxMessage.objects.get(to_address=jp.email).language == "ja"


def test_each_member_reads_the_reminder_in_their_language_with_the_deadline_in_their_time_zone(
    django_capture_on_commit_callbacks,
):
    # 17:00 in Brussels (CET in December) is 01:00 the next day in Tokyo: both the date and the hour
    # tell whose clock the e-mail used.
    deadline = dt.datetime(2026, 12, 4, 16, 0, tzinfo=dt.UTC)
    call = make_call(state=CallState.OPEN, deadline=deadline, opens_at=deadline - dt.timedelta(days=30))
    en = make_user("EU", "researcher", language="en", time_zone="")
    proposal = make_proposal(call=call, coordinator=en)
    ja = make_user("JP", "researcher", language="ja", time_zone="")
    ConsortiumMember.objects.create(proposal=proposal, user=ja, side=ja.side, joined_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert send_deadline_reminders(now=deadline - dt.timedelta(days=3)) == 2

    [to_ja] = [m for m in mail.outbox if m.to == [ja.email]]
    assert to_ja.subject == f"残り7日：{call.identifier} の締切が近づいています"
    assert (
        f"公募 {call.identifier} へのあなたの提案書 {proposal.acronym}（{proposal.number}）"
        "はまだ提出されていません。" in to_ja.body
    )
    assert "締切は 2026-12-05 01:00（Asia/Tokyo 時間）です。" in to_ja.body
    assert "審査されるのは提出済みの提案書のみです。" in to_ja.body
    assert "deadline" not in to_ja.body.lower() and "submitted" not in to_ja.body

    [to_en] = [m for m in mail.outbox if m.to == [en.email]]
    assert to_en.subject == f"7 days left: the deadline of {call.identifier} is near"
    assert (
        f"Your proposal {proposal.acronym} ({proposal.number}) to the call {call.identifier} "
        "has not been submitted yet." in to_en.body
    )
    assert "The deadline is 2026-12-04 17:00 (Europe/Brussels time)." in to_en.body
    assert "締切" not in to_en.body and "2026-12-05" not in to_en.body


def test_an_extension_arms_the_reminders_again(draft):
    proposal, _jp = draft
    send_deadline_reminders()
    call = proposal.call
    call.deadline += dt.timedelta(days=2)
    call.save(update_fields=["deadline"])
    assert send_deadline_reminders() == 2


@pytest.mark.parametrize("state", [ProposalState.SUBMITTED, ProposalState.WITHDRAWN])
def test_submitted_and_withdrawn_proposals_get_no_reminder(draft, state):
    proposal, _jp = draft
    type(proposal).objects.filter(pk=proposal.pk).update(state=state)
    assert send_deadline_reminders() == 0


def test_calls_far_from_their_deadline_or_not_open_get_no_reminder():
    far = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(days=20))
    closed = make_call(state=CallState.CLOSED, deadline=timezone.now() + dt.timedelta(days=1))
    make_proposal(call=far)
    make_proposal(call=closed)
    assert send_deadline_reminders() == 0


@pytest.mark.parametrize("n", [1, 4])
def test_the_reminder_run_does_not_grow_in_queries_per_member(n, django_assert_max_num_queries):
    call = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(days=3))
    proposal = make_proposal(call=call)
    for _ in range(n):
        user = make_user("JP", "researcher")
        ConsortiumMember.objects.create(
            proposal=proposal, user=user, side=user.side, joined_at=timezone.now()
        )
    # 2 reads (drafts, members) + per proposal: the dedupe check and one insert (savepoints aside).
    with django_assert_max_num_queries(8):
        send_deadline_reminders()


def test_the_coordinators_are_reminded_of_a_report_due_within_7_days_once_per_milestone():
    from loi_portal.tasks import send_report_reminders_task
    from reporting.models import PeriodicReport
    from reporting.reminders import send_report_reminders
    from tests.reporting.helpers import coordinators, make_project

    project = make_project()
    report = PeriodicReport.objects.filter(project=project).order_by("number").first()
    due = timezone.now() + dt.timedelta(days=3)
    PeriodicReport.objects.filter(project=project).exclude(pk=report.pk).update(
        due_at=due + dt.timedelta(days=300)
    )
    PeriodicReport.objects.filter(pk=report.pk).update(due_at=due)
    assert send_report_reminders_task.apply().get() == 2
    assert send_report_reminders_task.apply().get() == 0
    assert send_report_reminders(now=due - dt.timedelta(hours=5)) == 2
    addresses = set(OutboxMessage.objects.values_list("to_address", flat=True))
    assert addresses == {user.email for user in coordinators(project).values()}
