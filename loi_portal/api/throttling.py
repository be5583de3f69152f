"""API throttles that fail open: the counters live in the cache (Redis), and an outage of the cache
must not turn every API request into a 500 while the pages, which need no cache, go on working.

Every throttle the API uses is one of these (settings ``DEFAULT_THROTTLE_CLASSES``; a view that
sets its own ``throttle_classes`` takes them from here too); tests/api/test_throttling.py checks it."""

import logging

import redis.exceptions
from rest_framework import throttling
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)

# What the cache raises when it cannot be reached (Redis down, refused, timed out, connection dropped).
CACHE_CONNECTION_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


class FailOpenThrottleMixin:
    """Allows the request, with a warning in the log, when the cache holding the counters is away:
    a short spell without rate limits is better than refusing every API call."""

    @property
    def THROTTLE_RATES(self):  # DRF's attribute name
        # DRF copies the rates into the class when it is imported; read them per request instead, so
        # that a changed setting (a test, a settings override) is the one in force.
        return api_settings.DEFAULT_THROTTLE_RATES

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_CONNECTION_ERRORS as exc:
            logger.warning(
                "API throttle %s not applied: the cache is unreachable (%s: %s)",
                type(self).__name__,
                type(exc).__name__,
                exc,
            )
            return True


class AnonRateThrottle(FailOpenThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpenThrottleMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(FailOpenThrottleMixin, throttling.ScopedRateThrottle):
    pass
