"""API errors are JSON that name the field: Django's ValidationError and IntegrityError become 400/409,
never a 500."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This object was changed by someone else; reload it and try again."
    default_code = "conflict"

    def __init__(self, detail=None, code=None, *, current_lock_version: int | None = None):
        super().__init__(detail, code)
        # Kept apart: an APIException's detail would turn the number into a string.
        self.current_lock_version = current_lock_version


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response({"non_field_errors": ["This change conflicts with another record."]}, status=409)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if isinstance(exc, Conflict) and exc.current_lock_version is not None and isinstance(response.data, dict):
        response.data["current_lock_version"] = exc.current_lock_version
    return response
