"""Two-factor authentication (TOTP) for programme officers and evaluators.

Devices are django-otp ``TOTPDevice`` rows: one pending (unconfirmed) device while the user sets up
their authenticator app, one confirmed device afterwards. Every change is in the audit log."""

import segno
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from loi_portal.services import audit

DEVICE_NAME = "Authenticator app"


def needs_two_factor(user) -> bool:
    """True when REQUIRE_TWO_FACTOR is on and the user is a programme officer or an evaluator."""
    if not settings.REQUIRE_TWO_FACTOR or not getattr(user, "is_authenticated", False):
        return False
    return user.is_officer or user.is_evaluator


def has_confirmed_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def pending_device(user) -> TOTPDevice:
    """The user's unconfirmed device (made on first use), whose key the setup page shows."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an authenticator app."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as inline SVG markup (no script, no style attribute)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


@transaction.atomic
def confirm_device(device: TOTPDevice, token: str, *, by) -> bool:
    """Confirms a pending device when ``token`` is its current code; replaces any older device."""
    if device.confirmed or not device.verify_token(token.strip().replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit("two_factor.enabled", by=by, obj=device.user, sides=_sides(device.user))
    return True


def is_throttled(user, device: TOTPDevice | None = None) -> bool:
    """True while django-otp refuses codes after recent wrong ones (the delay doubles each time)."""
    devices = [device] if device is not None else TOTPDevice.objects.filter(user=user, confirmed=True)
    return any(not d.verify_is_allowed()[0] for d in devices)


def verify_code(user, token: str):
    """The confirmed device that accepts ``token`` (each code works once), or None."""
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit():
        return None
    return match_token(user, token)


@transaction.atomic
def reset_two_factor(user, *, by) -> None:
    """Removes the user's devices so they set up a new one at their next log-in (lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    audit("two_factor.reset", by=by, obj=user, sides=_sides(user))


def _sides(user) -> tuple[str, ...]:
    return (user.side.code,) if user.side_id else ("EU", "JP")


def api_code_error(user, token: str) -> str:
    """Why the API token endpoint refuses ``user`` with this one-time code, or "" when it may proceed."""
    if not needs_two_factor(user):
        return ""
    if not has_confirmed_device(user):
        return _("Set up two-factor authentication in the portal before you ask for an API token.")
    if not token:
        return _("A code from your authenticator app is required.")
    if verify_code(user, token) is None:
        return _("This code is not valid. Enter the code your app shows now.")
    return ""
