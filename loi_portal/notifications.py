"""E-mails of the portal. Every e-mail goes through ``notify``, which renders it per recipient in
their language and time zone.

Delivery is after commit; the Celery capability replaces the delivery by a transactional outbox
without changing this signature."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


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
    zone = recipient.effective_time_zone if hasattr(recipient, "effective_time_zone") else timezone.UTC
    with translation.override(language), timezone.override(zone):
        ctx = {**context, "recipient": recipient, "SITE_URL": settings.SITE_URL}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", ctx).split())
        body = render_to_string(f"emails/{template}.txt", ctx)
    return subject, body


def notify(recipients: Iterable, template: str, context: dict, *, event: str, dedupe_key: str = "") -> None:
    """Send ``template`` to each recipient (User or e-mail address) once the transaction commits.

    ``event`` names what happened (``proposal.submitted``); ``dedupe_key`` makes the message unique
    per recipient, so calling twice for the same event sends once."""
    messages = []
    for recipient in recipients:
        address = getattr(recipient, "email", recipient)
        if not address:
            continue
        subject, body = render_for(recipient, template, context)
        messages.append((subject, body, address))

    def deliver():
        for subject, body, address in messages:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])

    transaction.on_commit(deliver)


def send_invitation(user, *, role_label: str) -> None:
    notify(
        [user],
        "invitation",
        {"user": user, "role": role_label, "link": password_link(user)},
        event="account.invite",
    )
