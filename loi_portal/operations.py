"""Reads of the officers' operations page: the call instants ahead (and whether a countdown is
queued for them), the e-mail outbox and the tasks that failed. Officers see the outbox messages of
their own Side's people (and of plain addresses), never the other Side's mail."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from .models import FailedJob, OutboxMessage, OutboxStatus, ScheduledTask


def can_view_operations(user) -> bool:
    """Programme officers of either Side (the global role, no object grant involved)."""
    return bool(user.is_authenticated and user.is_officer)


def scheduled_calls_for_user(user, *, limit: int = 50):
    """Published and open calls with an instant ahead, and whether a countdown is queued for it."""
    from calls.enums import CallState
    from calls.models import Call
    from calls.scheduling import CLOSE_TASK, OPEN_TASK

    def queued(task_name: str, field: str):
        return Exists(
            ScheduledTask.objects.filter(
                task_name=task_name, object_id=OuterRef("pk"), eta=OuterRef(field), done_at__isnull=True
            )
        )

    if not can_view_operations(user):
        return Call.objects.none()
    return (
        Call.objects.filter(state__in=[CallState.PUBLISHED, CallState.OPEN])
        .annotate(open_queued=queued(OPEN_TASK, "opens_at"), close_queued=queued(CLOSE_TASK, "deadline"))
        .order_by("deadline", "pk")[:limit]
    )


def outbox_for_user(user, *, status: str = "", q: str = ""):
    if not can_view_operations(user):
        return OutboxMessage.objects.none()
    qs = OutboxMessage.objects.filter(Q(recipient__side=user.side_id) | Q(recipient__isnull=True))
    if status in OutboxStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(to_address__icontains=q) | Q(event__icontains=q) | Q(subject__icontains=q))
    return qs.order_by("-created_at", "-id")


def outbox_counts(user) -> dict[str, int]:
    counts = dict.fromkeys(OutboxStatus.values, 0)
    rows = outbox_for_user(user).order_by().values("status").annotate(n=Count("id"))
    counts.update({row["status"]: row["n"] for row in rows})
    counts["due"] = (
        outbox_for_user(user, status=OutboxStatus.PENDING).filter(next_attempt_at__lte=timezone.now()).count()
    )
    return counts


def failed_jobs_for_user(user, *, limit: int = 20):
    if not can_view_operations(user):
        return FailedJob.objects.none()
    return FailedJob.objects.order_by("-failed_at", "-id")[:limit]
