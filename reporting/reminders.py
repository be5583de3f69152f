"""Reminders to the coordinators of a project before a periodic report is due (7 days and 24 hours),
each once per report, milestone and due date (the outbox's dedupe key), in each coordinator's
language with the due date in their own time zone. Run by ``loi_portal.tasks`` (beat)."""

from __future__ import annotations

import datetime as dt

from loi_portal import clock
from loi_portal.notifications import notify

from .selectors import reports_due_between

MILESTONES: list[tuple[str, dt.timedelta]] = [
    ("24h", dt.timedelta(hours=24)),
    ("7d", dt.timedelta(days=7)),
]


def milestone_for(due_at: dt.datetime, now: dt.datetime) -> str | None:
    remaining = due_at - now
    if remaining <= dt.timedelta(0):
        return None
    return next((code for code, span in MILESTONES if remaining <= span), None)


def send_report_reminders(*, now: dt.datetime | None = None) -> int:
    """Queue the reminder due now for every draft report due within 7 days; safe to run twice."""
    now = now or clock.now()
    queued = 0
    for report in reports_due_between(now, now + MILESTONES[-1][1]):
        milestone = milestone_for(report.due_at, now)
        if milestone is None:
            continue
        queued += notify(
            [member.user for member in report.project.proposal.coordinators],
            "reminder_report",
            {"report": report, "project": report.project, "due_at": report.due_at, "milestone": milestone},
            event="report.due_reminder",
            dedupe_key=f"report-reminder-{report.pk}-{milestone}-{report.due_at.isoformat()}",
        )
    return queued
