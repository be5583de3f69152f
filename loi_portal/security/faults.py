"""When the database goes away in the middle of a request: a clear 503, never a traceback.

The service's transaction has rolled back by the time the exception reaches this middleware (Django
drops a connection whose rollback failed), so nothing half-written remains; the page and the JSON say
the action was not saved and can be tried again."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


def database_unavailable_message() -> str:
    return _(
        "The portal could not reach its database, so your last action was not saved. "
        "Nothing was changed. Please try again in a minute."
    )


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable during %s %s", request.method, request.path, exc_info=exception)
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"detail": database_unavailable_message()}, status=503)
        else:
            # Rendered without the request: context processors would need the database.
            html = render_to_string(
                "loi_portal/database_unavailable.html", {"message": database_unavailable_message()}
            )
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
