"""The OpenAPI contract, checked by schemathesis against the running application.

For every operation in /api/schema/, signed in (by token) as a programme officer, a researcher and an
evaluator of each Side, generated requests must never get a server error, a status code the schema
does not document, nor a response that breaks the schema. Runs on the demo data so that the
generated requests meet real objects."""

import io

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.errors import (
    FailureGroup,
    InvalidRegexPattern,
    InvalidRegexType,
    SerializationNotPossible,
    UnsupportedRegexPattern,
    UnsupportedSchema,
)
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from loi_portal.models import User

pytestmark = [pytest.mark.schema, pytest.mark.django_db(transaction=True)]

ROLES = ["eu_officer", "jp_officer", "eu_researcher", "jp_researcher", "eu_evaluator1", "jp_evaluator1"]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
# 6 roles x ~130 operations x this many requests. Measured with `pytest tests/api -p no:xdist
# --durations=5` on the shared 2-core machine: 4 take 84 s when it is quiet, 118 s at load 4, 200 s at 7;
# the ~90 s aimed at leaves no room for more.
EXAMPLES_PER_OPERATION = 4
# What schemathesis raises when it cannot make a request for an operation at all.
CANNOT_GENERATE = (
    Unsatisfiable,
    SerializationNotPossible,
    UnsupportedSchema,
    UnsupportedRegexPattern,
    InvalidRegexPattern,
    InvalidRegexType,
)


@pytest.fixture
def api(settings):
    # Generated traffic must not be cut short by the throttles that protect production.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }
    app = _closing(WSGIHandler())
    return app, schemathesis.openapi.from_wsgi("/api/schema/", app)


def _closing(app):
    """Reads each response whole and closes it, as a WSGI server does: Django closes the request's
    uploaded temporary files on close, which schemathesis's WSGI client never calls."""

    def closing_app(environ, start_response):
        result = app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            result.close()

    return closing_app


def test_schema_lists_the_lifecycle(api):
    _app, schema = api
    paths = set(schema.raw_schema["paths"])
    assert "/api/v1/auth/token/" in paths
    assert "/api/v1/sides/" in paths


def _exercise(app, operation, headers, failures: list) -> None:
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def exercise(case):
        response = case.call(headers=headers, app=app)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, FailureGroup) as exc:  # collected and reported together by the test
            failures.append(f"{operation.label}: {str(exc).strip().splitlines()[0][:300]}")
            raise

    exercise()


def test_no_server_error_and_no_response_outside_the_schema(api):
    """All roles in one test, so that the demo data are made once."""
    app, schema = api
    call_command("seed_demo", stdout=io.StringIO())
    failures: list[str] = []
    not_generated: set[str] = set()
    operations = []
    for result in schema.get_all_operations():
        try:
            operations.append(result.ok())
        except Exception as exc:  # an operation schemathesis cannot even read
            failures.append(f"unreadable operation: {type(exc).__name__}: {exc}")
    assert len(operations) > 100, "the schema describes too few operations"
    for username in ROLES:
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
        headers = {"Authorization": f"Token {token.key}"}
        for operation in operations:
            recorded = len(failures)
            try:
                _exercise(app, operation, headers, failures)
            except CANNOT_GENERATE:
                not_generated.add(operation.label)
            except (Exception, FailureGroup) as exc:  # FailureGroup is a BaseExceptionGroup
                if len(failures) == recorded:  # not a check that failed: the test itself broke
                    failures.append(f"{operation.label} as {username}: {type(exc).__name__}: {exc}"[:400])
    real = {f"{op.method.upper()} {op.path}" for op in operations}
    skipped = sorted(label for label in not_generated if label in real)
    assert not failures and not skipped, "\n".join(
        sorted(set(failures))
        + [f"schemathesis could not generate a request for {label}" for label in skipped]
    )
