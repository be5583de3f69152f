"""The OpenAPI schema documents the error answers each operation can give, in the shapes that
``loi_portal.api.exceptions.exception_handler`` (and DRF behind it) really returns:

- 403 ``Error`` when the operation needs a signed-in user (not signed in is 403 too: session log-in
  is the first authentication tried, and it sends no ``WWW-Authenticate``, so DRF never answers 401;
  401 is documented only where the first authenticator would send one), or when a predicate refuses;
- 404 ``Error`` on detail routes (hidden is 404), on writes (a referenced object that is hidden, such
  as the report of a new assessment) and on paged lists (a page past the end);
- 400 ``ValidationError`` on writes and on lists that take filters (a malformed filter value);
- 409 ``Conflict`` on writes: a stale ``lock_version``/``revision``, or a change that collides with
  another record (any IntegrityError of a write is answered 409);
- 429 ``Error`` wherever a throttle applies.

Set as DRF's DEFAULT_SCHEMA_CLASS in settings."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

MESSAGES = {"type": "array", "items": {"type": "string"}}

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "An error that is not about a field: not signed in, not allowed, not found, "
        "throttled.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": "Each field that failed names its messages; what is not about one field is "
        "under non_field_errors; a body that could not be read at all is a detail.",
        "properties": {"detail": {"type": "string"}, "non_field_errors": MESSAGES},
        # A field's messages; a nested or repeated field's errors are objects of the same kind.
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "object"},
                {"type": "string"},
            ]
        },
    },
    "Conflict": {
        "type": "object",
        "description": "The record changed since it was read (reload and try again; "
        "current_lock_version is the version now stored), or the change collides with another record.",
        "properties": {
            "detail": {"type": "string"},
            "non_field_errors": MESSAGES,
            "current_lock_version": {"type": "integer"},
        },
        "additionalProperties": MESSAGES,
    },
}

DESCRIPTIONS = {
    "400": _("The request is not valid; the body names the fields."),
    "401": _("Not signed in, or the token is not valid."),
    "403": _("Not signed in, or you may not do this."),
    "404": _("Not found, or not visible to you."),
    "409": _("Conflict with the stored record."),
    "429": _("Too many requests; try again after Retry-After seconds."),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, component in self._error_codes().items():
            content = {"application/json": {"schema": self._error_component(component).ref}}
            if code not in responses:
                responses[code] = {"content": content, "description": DESCRIPTIONS[code]}
            elif not responses[code].get("content"):
                responses[code]["content"] = content  # described by the view, without a body schema
        return responses

    def _error_component(self, name):
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=ERROR_SCHEMAS[name]
        )
        self.registry.register_on_missing(component)
        return component

    def _error_codes(self) -> dict[str, str]:
        codes = {}
        write = self.method in WRITES
        is_list = self.method == "GET" and self._is_list_view()
        if self._needs_sign_in_or_predicate():
            codes["403"] = "Error"
            if self._sends_authenticate_header():
                codes["401"] = "Error"
        if "{" in self.path or write or (is_list and getattr(self.view, "pagination_class", None)):
            codes["404"] = "Error"
        if write or (is_list and self._takes_filters()):
            codes["400"] = "ValidationError"
        if write:
            codes["409"] = "Conflict"
        if getattr(self.view, "throttle_classes", None):
            codes["429"] = "Error"
        return codes

    def _needs_sign_in_or_predicate(self) -> bool:
        checks = self.view.get_permissions()
        if any(isinstance(check, permissions.AllowAny) for check in checks):
            return False
        anonymous = getattr(self.view, "allow_anonymous_actions", ())
        # Actions open to anonymous callers are reads that no predicate guards.
        return getattr(self.view, "action", None) not in anonymous

    def _sends_authenticate_header(self) -> bool:
        authenticators = self.view.get_authenticators()
        return bool(authenticators and authenticators[0].authenticate_header(None))

    def _takes_filters(self) -> bool:
        return bool(
            getattr(self.view, "filterset_class", None) or getattr(self.view, "filterset_fields", None)
        )
