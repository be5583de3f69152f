"""E-mails the framework sends. Each renders in the recipient's language."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def password_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL.rstrip("/") + reverse(
        "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )


def send_invitation(user, *, role_label: str) -> None:
    """Queue the invitation e-mail with a link to choose a password, once the invitation commits."""

    def send():
        with translation.override(user.language or "en"):
            subject = render_to_string("registration/invitation_subject.txt").strip()
            body = render_to_string(
                "registration/invitation_email.txt",
                {"user": user, "role": role_label, "link": password_link(user)},
            )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])

    transaction.on_commit(send)
