"""The OpenAPI contract, checked by schemathesis against the running application.

For every operation in /api/schema/, signed in (by token) as a programme officer, a researcher and an
evaluator of each Side, generated requests must never get a server error nor a response that breaks
the schema. Runs on the demo data so that the generated requests meet real objects."""

import contextlib
import io

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from loi_portal.models import User

pytestmark = [pytest.mark.schema, pytest.mark.django_db(transaction=True)]

ROLES = ["eu_officer", "jp_officer", "eu_researcher", "jp_researcher", "eu_evaluator1", "jp_evaluator1"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES_PER_OPERATION = 4


@pytest.fixture
def api(settings):
    # Generated traffic must not be cut short by the throttles that protect production.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }
    call_command("seed_demo", stdout=io.StringIO())
    app = WSGIHandler()
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    return app, schema


def test_schema_lists_the_lifecycle(api):
    _app, schema = api
    paths = set(schema.raw_schema["paths"])
    assert "/api/v1/auth/token/" in paths
    assert "/api/v1/sides/" in paths


@pytest.mark.parametrize("username", ROLES)
def test_no_server_error_and_no_response_outside_the_schema(api, username):
    app, schema = api
    user = User.objects.get(username=username)
    token, _ = Token.objects.get_or_create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema describes no operation"
    for operation in operations:

        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case, operation=operation):
            response = case.call(headers=headers, app=app)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as exc:  # collected and reported together below
                failures.append(
                    f"{operation.method.upper()} {operation.path}: {str(exc).splitlines()[0][:300]}"
                )
                raise

        # A failure was recorded above; go on with the other operations.
        with contextlib.suppress(Exception):
            exercise()
    assert not failures, "\n".join(sorted(set(failures)))
