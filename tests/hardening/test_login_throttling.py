"""Log-in attempts are throttled per account and per address (django-axes)."""

import pytest
from django.urls import reverse

from tests.factories import make_user

PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.django_db


def _log_in(client, username, password, address="192.0.2.10"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_sixth_attempt_is_refused_with_a_message_even_with_the_right_password(client):
    officer = make_user("EU", "officer", username="eu.officer")
    for _attempt in range(4):
        response = _log_in(client, officer.username, "wrong password")
        assert response.status_code == 200  # the login form again, with its error
    response = _log_in(client, officer.username, "wrong password")
    assert response.status_code == 429

    response = _log_in(client, officer.username, PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed log-in attempts" in html and "15 minutes" in html
    assert "_auth_user_id" not in client.session


def test_a_locked_account_is_locked_from_every_address(client):
    make_user("JP", "evaluator", username="jp.evaluator")
    for _attempt in range(5):
        _log_in(client, "jp.evaluator", "wrong password", address="192.0.2.10")
    assert _log_in(client, "jp.evaluator", PASSWORD, address="198.51.100.7").status_code == 429


def test_an_address_is_throttled_separately_from_other_addresses(client):
    """Five failures from one address against five different accounts lock that address only."""
    for n in range(5):
        make_user("EU", "researcher", username=f"researcher{n}")
        _log_in(client, f"researcher{n}", "wrong password", address="203.0.113.66")
    make_user("EU", "researcher", username="innocent")

    refused = _log_in(client, "innocent", PASSWORD, address="203.0.113.66")
    assert refused.status_code == 429

    accepted = _log_in(client, "innocent", PASSWORD, address="198.51.100.7")
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("dashboard")


def test_a_successful_log_in_resets_the_count(client):
    make_user("EU", "researcher", username="anna")
    for _attempt in range(4):
        _log_in(client, "anna", "wrong password")
    assert _log_in(client, "anna", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        assert _log_in(client, "anna", "wrong password").status_code == 200
    assert _log_in(client, "anna", PASSWORD).status_code == 302


def test_the_lockout_page_is_in_japanese_for_a_japanese_browser(client):
    make_user("JP", "researcher", username="kenji")
    for _attempt in range(5):
        _log_in(client, "kenji", "wrong password")
    response = client.post(
        reverse("login"),
        {"username": "kenji", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.10",
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 429
    assert '<html lang="ja">' in response.content.decode()


def test_api_token_endpoint_is_throttled_too(client):
    make_user("EU", "researcher", username="api.user")
    url = reverse("api:api-token")
    for _attempt in range(5):
        client.post(url, {"username": "api.user", "password": "wrong"}, REMOTE_ADDR="192.0.2.10")
    response = client.post(url, {"username": "api.user", "password": PASSWORD}, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.json()["detail"]


def test_api_token_authentication_still_works(client):
    make_user("EU", "researcher", username="api.user")
    response = client.post(reverse("api:api-token"), {"username": "api.user", "password": PASSWORD})
    assert response.status_code == 200
    me = client.get(reverse("api:api-me"), HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert me.status_code == 200 and me.json()["username"] == "api.user"


def test_behind_a_proxy_the_forwarded_client_address_is_throttled(client, settings):
    """With one trusted proxy, the address it appended counts: not the proxy's own, and not whatever a
    client wrote on the left of X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        make_user("EU", "researcher", username=f"proxied{n}")
        client.post(
            reverse("login"),
            {"username": f"proxied{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.18.0.{n}, 203.0.113.66",
        )
    make_user("EU", "researcher", username="neighbour")
    same_client = client.post(
        reverse("login"),
        {"username": "neighbour", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )
    assert same_client.status_code == 429
    other_client_same_proxy = client.post(
        reverse("login"),
        {"username": "neighbour", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert other_client_same_proxy.status_code == 302
