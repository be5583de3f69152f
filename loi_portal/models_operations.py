"""Rows that make the background work observable and safe: the e-mail outbox, the countdowns queued
for call instants, and the tasks that failed for good. Imported by ``loi_portal.models``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """One e-mail to one recipient, written by ``notify`` in the same transaction as the change it
    reports and sent later by the relay task. ``dedupe_key`` is unique per address, so the same
    event is never queued twice for the same person."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_address = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=5, default="en")
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    event = models.CharField(_("event"), max_length=64, db_index=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        constraints = [
            models.UniqueConstraint(
                fields=["to_address", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="outbox_event_once_per_address",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.to_address} ({self.status})"


class ScheduledTask(models.Model):
    """A countdown task queued for one instant of one object (a call's opening or deadline).

    Unique per task, object and instant: the periodic reconciliation queues each countdown once, and
    a moved instant gets a new row (the old task then finds the instant changed and does nothing)."""

    task_name = models.CharField(_("task"), max_length=100)
    object_id = models.BigIntegerField()
    eta = models.DateTimeField(_("due at"), db_index=True)
    task_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["eta"]
        verbose_name = _("scheduled task")
        verbose_name_plural = _("scheduled tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["task_name", "object_id", "eta"], name="scheduled_task_once_per_instant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name}({self.object_id}) at {self.eta:%Y-%m-%d %H:%M:%S}"


class FailedJob(models.Model):
    """A task that raised after its retries; recorded by the ``task_failure`` signal handler."""

    task_name = models.CharField(_("task"), max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    args = models.TextField(_("arguments"), blank=True)
    exception = models.TextField(_("error"))
    traceback = models.TextField(blank=True)
    failed_at = models.DateTimeField(_("failed at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-failed_at", "-id"]
        verbose_name = _("failed job")
        verbose_name_plural = _("failed jobs")

    def __str__(self) -> str:
        return f"{self.task_name} {self.failed_at:%Y-%m-%d %H:%M:%S}"
