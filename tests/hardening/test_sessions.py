"""Officers' and evaluators' sessions end after 30 idle minutes and 12 hours at most."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _logged_in_client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["officer", "evaluator"])
def test_privileged_session_ends_after_thirty_idle_minutes(client, role):
    with time_machine.travel(START, tick=False) as traveller:
        client = _logged_in_client(client, make_user("EU", role))
        assert client.get(reverse("dashboard")).status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("dashboard")).status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "Your session has expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_active_privileged_session_ends_after_twelve_hours(client):
    with time_machine.travel(START, tick=False) as traveller:
        client = _logged_in_client(client, make_user("JP", "officer"))
        for _step in range(47):  # a request every 15 minutes: never idle, 11 h 45 min in all
            traveller.shift(dt.timedelta(minutes=15))
            assert client.get(reverse("dashboard")).status_code == 200
        traveller.shift(dt.timedelta(minutes=16))
        response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_researcher_keeps_django_default_session(client, settings):
    with time_machine.travel(START, tick=False) as traveller:
        client = _logged_in_client(client, make_user("EU", "researcher"))
        traveller.shift(dt.timedelta(hours=13))
        assert client.get(reverse("dashboard")).status_code == 200
        traveller.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))
        assert client.get(reverse("dashboard")).status_code == 302


def test_expired_api_session_gets_json_not_a_redirect(client):
    with time_machine.travel(START, tick=False) as traveller:
        client = _logged_in_client(client, make_user("EU", "officer"))
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("api:api-me"))
    assert response.status_code == 401
    assert "session has expired" in response.json()["detail"]
