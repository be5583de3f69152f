"""The schema documents every operation's error answers (loi_portal/api/schema.py), and the bodies the
API really sends for them match the documented components."""

import jsonschema
import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in SCHEMA["paths"].items()
    for method, operation in item.items()
    if method in {"get", "post", "put", "patch", "delete"}
]
# Open to anyone: nothing to refuse.
ANONYMOUS = {
    ("POST", "/api/v1/auth/token/"),
    ("GET", "/api/v1/sides/"),
    ("GET", "/api/v1/sides/{id}/"),
    ("GET", "/api/v1/calls/"),
    ("GET", "/api/v1/calls/{id}/"),
    ("GET", "/api/v1/deadline-changes/"),
    ("GET", "/api/v1/deadline-changes/{id}/"),
    ("GET", "/api/v1/call-documents/"),
    ("GET", "/api/v1/call-documents/{id}/"),
    ("GET", "/api/v1/call-documents/{id}/download/"),
}


def _error_schema(operation, code) -> dict:
    ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
    return SCHEMA["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_the_schema_describes_the_errors_of_more_than_a_hundred_operations():
    assert len(OPERATIONS) > 100


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _o in OPERATIONS]
)
def test_every_operation_documents_its_error_answers(method, path, operation):
    codes = set(operation["responses"])
    assert "429" in codes
    if (method, path) not in ANONYMOUS:
        assert "403" in codes
    if "{" in path:
        assert "404" in codes
    if method != "GET":
        assert {"400", "409"} <= codes
    for code in codes & {"400", "401", "403", "404", "409", "429"}:
        assert _error_schema(operation, code)["type"] == "object"


def _documented(response, method, path):
    operation = SCHEMA["paths"][path][method.lower()]
    code = str(response.status_code)
    assert code in operation["responses"], (method, path, code)
    jsonschema.validate(response.json(), _error_schema(operation, code))


def test_the_error_bodies_the_api_sends_match_the_schema(eu_researcher, jp_researcher, open_call):
    client = APIClient()
    client.force_authenticate(eu_researcher)
    refused = APIClient().get(reverse("api:proposal-list"))
    assert refused.status_code == 403
    _documented(refused, "GET", "/api/v1/proposals/")

    invalid = client.post(reverse("api:proposal-list"), {"call": open_call.pk}, format="json")
    assert invalid.status_code == 400 and "acronym" in invalid.json()
    _documented(invalid, "POST", "/api/v1/proposals/")

    created = client.post(
        reverse("api:proposal-list"),
        {"call": open_call.pk, "acronym": "QERR", "title": "Errors"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk, lock = created.json()["id"], created.json()["lock_version"]
    detail = reverse("api:proposal-detail", args=[pk])
    assert client.patch(detail, {"lock_version": lock, "title": "Once"}, format="json").status_code == 200
    stale = client.patch(detail, {"lock_version": lock, "title": "Twice"}, format="json")
    assert stale.status_code == 409 and stale.json()["current_lock_version"] == lock + 1  # a number
    _documented(stale, "PATCH", "/api/v1/proposals/{id}/")

    # The other Side's researcher does not even learn that the draft exists.
    other = APIClient()
    other.force_authenticate(jp_researcher)
    hidden = other.get(detail)
    assert hidden.status_code == 404
    _documented(hidden, "GET", "/api/v1/proposals/{id}/")
    past_the_end = client.get(reverse("api:proposal-list"), {"page": 99})
    assert past_the_end.status_code == 404
    _documented(past_the_end, "GET", "/api/v1/proposals/")
    bad_filter = client.get(reverse("api:proposal-list"), {"call": "not-a-number"})
    assert bad_filter.status_code == 400
    _documented(bad_filter, "GET", "/api/v1/proposals/")
