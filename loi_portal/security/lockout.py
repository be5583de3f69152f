"""What a locked-out visitor sees (django-axes' AXES_LOCKOUT_CALLABLE): a page, or JSON for the API."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext


def lockout_message() -> str:
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return ngettext(
        "Too many failed log-in attempts for this account or from this address. For your security, "
        "log-in is paused for %(minutes)d minute. Try again later, or reset your password.",
        "Too many failed log-in attempts for this account or from this address. For your security, "
        "log-in is paused for %(minutes)d minutes. Try again later, or reset your password.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=status)
    return render(request, "registration/lockout.html", {"message": lockout_message()}, status=status)


def client_ip(request) -> str | None:
    """The address log-in throttling counts (AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT reverse proxies, REMOTE_ADDR is the nearest proxy, so the client's
    address is the one the outermost trusted proxy appended to X-Forwarded-For: counted from the right,
    since a client can put anything it likes on the left."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
