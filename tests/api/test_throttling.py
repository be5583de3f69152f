"""The API's rate limits: anonymous and signed-in callers get a 429 in JSON with Retry-After once over
their rate, and an unreachable cache (Redis, which holds the counters) lets requests through instead
of failing every API call with a 500."""

import logging

import pytest
import redis.exceptions
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from loi_portal.api.throttling import FailOpenThrottleMixin
from proposals.models import Submission
from tests.factories import make_call, make_user
from tests.proposals.conftest import ready

pytestmark = pytest.mark.django_db

# Nothing listens on port 1 of this machine: every cache call is refused, as in a Redis outage.
UNREACHABLE_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def low_rates(settings):
    """Two anonymous and three signed-in requests a minute, counted in a cache of this test's own."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-test"}
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"},
    }
    cache.clear()


def _assert_throttled(response):
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "throttled" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_anonymous_caller_over_the_rate_gets_429_json_with_retry_after(low_rates):
    client = APIClient()
    url = reverse("api:side-list")
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    _assert_throttled(client.get(url))


def test_signed_in_caller_over_the_rate_gets_429_and_another_user_is_not_held_up(low_rates):
    first, second = make_user("EU", "researcher"), make_user("JP", "researcher")
    url = reverse("api:side-list")
    client = _token_client(first)
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    _assert_throttled(client.get(url))
    assert _token_client(second).get(url).status_code == 200


def test_with_redis_unreachable_the_api_answers_and_a_submission_goes_through(settings, caplog):
    researcher = make_user("EU", "researcher")
    proposal = ready(make_call(), researcher)
    settings.CACHES = UNREACHABLE_REDIS
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.get("anything")  # the outage is real, not a cache that still answers

    client = _token_client(researcher)
    with caplog.at_level(logging.WARNING, logger="loi_portal.api.throttling"):
        listing = client.get(reverse("api:proposal-list"))
        submitted = client.post(reverse("api:proposal-submit", args=[proposal.pk]))
        public = APIClient().get(reverse("api:call-list"))

    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [proposal.pk]
    assert submitted.status_code == 201, submitted.content
    assert Submission.objects.filter(proposal=proposal, version=1).exists()
    assert public.status_code == 200
    assert "cache is unreachable" in caplog.text


def _api_views(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _api_views(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and namespace == "api":
            view = getattr(entry.callback, "cls", None)
            if view is not None:
                yield entry.name, view


def test_every_api_view_throttles_with_classes_that_fail_open():
    views = dict(_api_views())
    assert "proposal-list" in views and "api-token" in views
    not_fail_open = {
        name: [t.__name__ for t in view.throttle_classes if not issubclass(t, FailOpenThrottleMixin)]
        for name, view in views.items()
    }
    assert not {name: classes for name, classes in not_fail_open.items() if classes}
    assert all(view.throttle_classes for view in views.values())
