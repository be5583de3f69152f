"""Session limits for officers and evaluators, and the two-factor wall in front of their pages."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .two_factor import has_confirmed_device, needs_two_factor

PRIVILEGED_KEY = "_loi_privileged"
STARTED_KEY = "_loi_session_started"
LAST_SEEN_KEY = "_loi_last_seen"
# The last-seen time is written at most this often, so most requests do not write the session.
TOUCH_EVERY_SECONDS = 60


def _cookie_age() -> int:
    # A little longer than the idle limit, so this middleware (not the session store) ends the session
    # and can say why.
    return settings.PRIVILEGED_SESSION_IDLE_SECONDS + 2 * TOUCH_EVERY_SECONDS


def _is_privileged(user) -> bool:
    return user.is_officer or user.is_evaluator


@receiver(user_logged_in, dispatch_uid="loi_portal.security.session_started")
def _session_started(sender, request, user, **kwargs):
    """Starts the clock of a new session and remembers whether its limits apply (no query per request)."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[PRIVILEGED_KEY] = _is_privileged(user)
    request.session[STARTED_KEY] = now
    request.session[LAST_SEEN_KEY] = now
    if request.session[PRIVILEGED_KEY]:
        request.session.set_expiry(_cookie_age())


def _wants_json(request) -> bool:
    return request.path_info.startswith("/api/")


class SessionExpiryMiddleware:
    """Officers and evaluators are logged out after PRIVILEGED_SESSION_IDLE_SECONDS without a request
    and PRIVILEGED_SESSION_MAX_SECONDS after they logged in; other users keep Django's default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            if PRIVILEGED_KEY not in session:
                session[PRIVILEGED_KEY] = _is_privileged(user)
            if session[PRIVILEGED_KEY]:
                expired = self._check(session)
                if expired:
                    return self._expired(request)
        return self.get_response(request)

    @staticmethod
    def _check(session) -> bool:
        now = int(time.time())
        started = session.setdefault(STARTED_KEY, now)
        last_seen = session.setdefault(LAST_SEEN_KEY, now)
        if (
            now - last_seen > settings.PRIVILEGED_SESSION_IDLE_SECONDS
            or now - started > settings.PRIVILEGED_SESSION_MAX_SECONDS
        ):
            return True
        if now - last_seen >= TOUCH_EVERY_SECONDS:
            session[LAST_SEEN_KEY] = now
            session.set_expiry(_cookie_age())
        return False

    @staticmethod
    def _expired(request):
        logout(request)
        message = _("Your session has expired. Please log in again.")
        if _wants_json(request):
            return JsonResponse({"detail": message}, status=401)
        messages.info(request, message)
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")


class TwoFactorMiddleware:
    """With REQUIRE_TWO_FACTOR on, an officer or evaluator who has not entered a one-time code in this
    session is sent to set up an authenticator app (no device yet) or to enter a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_TWO_FACTOR
            and user is not None
            and user.is_authenticated
            and not self._exempt(request.path_info)
            and needs_two_factor(user)
            and not user.is_verified()
        ):
            if _wants_json(request):
                return JsonResponse(
                    {"detail": _("Two-factor verification is required: log in again with your code.")},
                    status=403,
                )
            target = "two_factor_verify" if has_confirmed_device(user) else "two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        open_paths = (
            reverse("two_factor_setup"),
            reverse("two_factor_verify"),
            reverse("logout"),
            reverse("set_language"),
            reverse("healthz"),
            settings.STATIC_URL,
            "/jsi18n/",
        )
        return path.startswith(open_paths)
