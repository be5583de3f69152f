"""E-mails of the portal, through a transactional outbox.

``notify`` is the only way to send e-mail. It renders the message per recipient in their language and
time zone and writes one ``OutboxMessage`` row per recipient in the caller's transaction, so the
e-mail exists exactly when the change it reports commits. After the commit it asks Celery to relay
the outbox; if Redis is away the request still succeeds and beat's periodic relay sends the message
later. The relay locks each row and marks it sent, so no message goes out twice."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .enums import Role
from .models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

RELAY_BATCH = 100


def password_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL.rstrip("/") + reverse(
        "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )


def render_for(recipient, template: str, context: dict) -> tuple[str, str]:
    """Subject and body of ``emails/<template>_subject.txt`` and ``emails/<template>.txt`` in the
    recipient's language and time zone (a user, or a plain address that gets English and UTC)."""
    language = getattr(recipient, "language", "") or "en"
    zone = recipient.effective_time_zone if hasattr(recipient, "effective_time_zone") else dt.UTC
    with translation.override(language), timezone.override(zone):
        ctx = {**context, "recipient": recipient, "SITE_URL": settings.SITE_URL}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", ctx).split())
        body = render_to_string(f"emails/{template}.txt", ctx)
    return subject, body


def notify(recipients: Iterable, template: str, context: dict, *, event: str, dedupe_key: str = "") -> int:
    """Queue ``template`` for each recipient (User or e-mail address) in the current transaction and
    relay it once the transaction commits. Returns how many messages were newly queued.

    ``event`` names what happened (``proposal.submitted``); ``dedupe_key`` makes the message unique
    per recipient (a database constraint), so calling twice for the same event queues it once."""
    rows = []
    seen: set[str] = set()
    for recipient in recipients:
        address = getattr(recipient, "email", recipient)
        if not address or address in seen:
            continue
        seen.add(address)
        subject, body = render_for(recipient, template, context)
        rows.append(
            OutboxMessage(
                recipient=recipient if hasattr(recipient, "effective_time_zone") else None,
                to_address=address,
                language=getattr(recipient, "language", "") or "en",
                subject=subject[:255],
                body=body,
                event=event[:64],
                dedupe_key=dedupe_key[:200],
            )
        )
    if not rows:
        return 0
    with transaction.atomic():
        if dedupe_key:
            queued = set(
                OutboxMessage.objects.filter(dedupe_key=dedupe_key[:200], to_address__in=seen).values_list(
                    "to_address", flat=True
                )
            )
            rows = [row for row in rows if row.to_address not in queued]
        # A concurrent notify for the same key loses the race at the unique constraint, silently.
        created = OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(request_relay)
    return len(created)


def request_relay() -> None:
    """Ask a worker to relay the outbox now. Never raises: with Redis away the messages stay pending
    and beat's periodic relay sends them once it is back."""
    from .tasks import relay_outbox_task

    try:
        relay_outbox_task.delay()
    except Exception:  # the broker is down or unreachable; the outbox row is the durable record
        logger.warning(
            "Could not reach the broker to relay the outbox; the periodic relay will.", exc_info=True
        )


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try of a message that failed ``attempts`` times: 30 s, 1, 2, 4 ... ≤ 30 min."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 30 * 60))


def relay_outbox(*, limit: int = RELAY_BATCH) -> tuple[int, Exception | None]:
    """Send the pending messages that are due, each in its own transaction with its row locked
    (``skip_locked``: two relays never take the same message). A message is marked sent in the
    transaction that sent it. Stops at the first delivery error, records it on the message with a
    backoff, and returns it so the task can retry. Returns (sent, error)."""
    connection = get_connection()  # one SMTP session for the batch, opened on the first message
    try:
        return _relay_batch(connection, limit)
    finally:
        try:
            connection.close()
        except Exception:  # what was sent is recorded as sent; a failed QUIT changes nothing
            logger.warning("Closing the e-mail connection failed", exc_info=True)


def _relay_batch(connection, limit: int) -> tuple[int, Exception | None]:
    sent = 0
    for _ in range(limit):
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "id")
                .first()
            )
            if message is None:
                return sent, None
            try:
                EmailMessage(
                    message.subject,
                    message.body,
                    settings.DEFAULT_FROM_EMAIL,
                    [message.to_address],
                    connection=connection,
                ).send()
            except Exception as exc:  # SMTP refused or unreachable: the message waits and is retried
                message.attempts += 1
                message.last_error = repr(exc)[:2000]
                message.next_attempt_at = timezone.now() + backoff(message.attempts)
                if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                message.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
                logger.warning("Sending outbox message %s failed: %r", message.pk, exc)
                return sent, exc
            message.status = OutboxStatus.SENT
            message.sent_at = timezone.now()
            message.attempts += 1
            message.save(update_fields=["status", "sent_at", "attempts"])
            sent += 1
    return sent, None


def send_invitation(user, *, role: str) -> None:
    # The role's lazy label, so that it is rendered in the invitee's language, not the officer's.
    notify(
        [user],
        "invitation",
        {"user": user, "role": Role(role).label, "link": password_link(user)},
        event="account.invite",
    )


def send_role_confirmation(user, *, role: str, link_token: str, by) -> None:
    """The link with which the holder of an existing account accepts a role an officer offers."""
    link = settings.SITE_URL.rstrip("/") + reverse("confirm_role", kwargs={"token": link_token})
    notify(
        [user],
        "role_confirmation",
        {
            "role": Role(role).label,
            "officer": by.get_full_name() or by.get_username(),
            "link": link,
            "days": max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1),
        },
        event="account.role_confirmation",
    )


def send_password_reset(user) -> None:
    """The "Forgotten your password?" e-mail."""
    notify([user], "password_reset", {"link": password_link(user)}, event="account.password_reset")


@transaction.atomic
def retry_outbox_message(message: OutboxMessage, *, by) -> OutboxMessage:
    """Put a failed message back in the queue (an officer's retry); relayed after commit."""
    from .services import audit

    locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status != OutboxStatus.FAILED:
        return locked
    locked.status = OutboxStatus.PENDING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit("outbox.retry", by=by, obj=locked, event=locked.event)
    transaction.on_commit(request_relay)
    return locked
