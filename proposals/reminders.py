"""Deadline reminders to the consortia of unsubmitted drafts: 7 days, 24 hours and 1 hour before the
deadline, each once per proposal, milestone and deadline (the outbox's dedupe key), in each member's
language with the deadline in their own time zone."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch

from calls.enums import CallState
from loi_portal import clock
from loi_portal.notifications import notify

from .enums import ProposalState
from .models import ConsortiumMember, Proposal

# Tightest first: a run that finds 20 hours left sends the 24-hour reminder, not the 7-day one.
MILESTONES: list[tuple[str, dt.timedelta]] = [
    ("1h", dt.timedelta(hours=1)),
    ("24h", dt.timedelta(hours=24)),
    ("7d", dt.timedelta(days=7)),
]


def milestone_for(deadline: dt.datetime, now: dt.datetime) -> str | None:
    """The milestone whose window ``now`` is in, or None (deadline passed or more than 7 days off)."""
    remaining = deadline - now
    if remaining <= dt.timedelta(0):
        return None
    for code, span in MILESTONES:
        if remaining <= span:
            return code
    return None


def drafts_to_remind(now: dt.datetime):
    """Draft proposals of open calls whose deadline is within 7 days, with their joined members."""
    members = ConsortiumMember.objects.filter(user__isnull=False, user__is_active=True).select_related(
        "user__side"
    )
    return (
        Proposal.objects.filter(
            state=ProposalState.DRAFT,
            call__state=CallState.OPEN,
            call__deadline__gt=now,
            call__deadline__lte=now + MILESTONES[-1][1],
        )
        .select_related("call")
        .prefetch_related(Prefetch("members", queryset=members, to_attr="joined_members"))
        .order_by("pk")
    )


def send_deadline_reminders(*, now: dt.datetime | None = None) -> int:
    """Queue the reminder due now for every unsubmitted draft; returns how many were newly queued.
    Safe to run twice: the dedupe key of each (proposal, milestone, deadline) queues it once."""
    now = now or clock.now()
    queued = 0
    for proposal in drafts_to_remind(now):
        milestone = milestone_for(proposal.call.deadline, now)
        if milestone is None:
            continue
        queued += notify(
            [member.user for member in proposal.joined_members],
            "reminder_deadline",
            {
                "proposal": proposal,
                "call": proposal.call,
                "deadline": proposal.call.deadline,
                "milestone": milestone,
            },
            event="proposal.deadline_reminder",
            dedupe_key=f"deadline-reminder-{proposal.pk}-{milestone}-{proposal.call.deadline.isoformat()}",
        )
    return queued
