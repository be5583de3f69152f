"""Per-request language and time zone from the user's profile, and the client address for the audit log."""

import zoneinfo

from django.utils import timezone, translation

from .services import set_request_ip


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's Accept-Language; the switcher
    updates both the profile and the cookie, so LocaleMiddleware then agrees."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        set_request_ip(request.META.get("REMOTE_ADDR"))
        return self.get_response(request)


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.effective_time_zone)
            if user.language and not request.COOKIES.get("loi_language"):
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.activate(zoneinfo.ZoneInfo("UTC"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
