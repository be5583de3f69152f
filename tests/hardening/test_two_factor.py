"""TOTP two-factor authentication for programme officers and evaluators."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from loi_portal.models import AuditEntry
from tests.factories import make_user

PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.REQUIRE_TWO_FACTOR = True


@pytest.fixture(autouse=True)
def traveller():
    """A fixed clock; tests move it on after a wrong code, as django-otp slows down guessing."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code an authenticator app would show now (offset in steps of 30 s)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def _log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def test_officer_without_a_device_is_sent_to_setup_after_the_password(client):
    officer = make_user("EU", "officer")
    _log_in(client, officer)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_setup_shows_qr_code_and_manual_key_and_a_code_turns_it_on(client, traveller):
    officer = make_user("EU", "officer")
    _log_in(client, officer)
    page = client.get(reverse("two_factor_setup"), {"next": reverse("dashboard")})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<script>" not in html and ' style="' not in html
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    key = re.search(r'id="manual-key">([A-Z2-7 ]+)<', html).group(1)
    assert key.replace(" ", "") in device.config_url

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000", "next": reverse("dashboard")})
    assert wrong.status_code == 200 and "This code is not valid" in wrong.content.decode()
    traveller.shift(dt.timedelta(seconds=5))  # django-otp slows down guessing after a wrong code
    response = client.post(
        reverse("two_factor_setup"), {"code": code_for(device), "next": reverse("dashboard")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="two_factor.enabled", object_id=str(officer.pk)).exists()


def test_evaluator_with_a_device_must_enter_a_code_after_the_password(client, traveller):
    evaluator = make_user("JP", "evaluator")
    device = _confirmed_device(evaluator)
    _log_in(client, evaluator)
    response = client.get(reverse("dashboard"))
    assert response["Location"].startswith(reverse("two_factor_verify"))

    wrong = client.post(reverse("two_factor_verify"), {"code": "123456"})
    assert wrong.status_code == 200 and "This code is not valid" in wrong.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302
    traveller.shift(dt.timedelta(seconds=5))
    ok = client.post(reverse("two_factor_verify"), {"code": code_for(device), "next": reverse("profile")})
    assert ok["Location"] == reverse("profile")
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_code_cannot_be_used_twice(client):
    evaluator = make_user("EU", "evaluator")
    device = _confirmed_device(evaluator)
    code = code_for(device)
    _log_in(client, evaluator)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
    client.logout()
    _log_in(client, evaluator)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 200


def test_verify_does_not_redirect_to_another_site(client):
    officer = make_user("EU", "officer")
    device = _confirmed_device(officer)
    _log_in(client, officer)
    response = client.post(
        reverse("two_factor_verify"), {"code": code_for(device), "next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("dashboard")


def test_researchers_are_not_asked_for_a_code(client):
    researcher = make_user("EU", "researcher")
    _log_in(client, researcher)
    assert client.get(reverse("dashboard")).status_code == 200


def test_nobody_is_asked_when_the_setting_is_off(client, settings):
    settings.REQUIRE_TWO_FACTOR = False
    officer = make_user("EU", "officer")
    _log_in(client, officer)
    assert client.get(reverse("dashboard")).status_code == 200


def test_unverified_officer_session_cannot_use_the_api(client):
    officer = make_user("EU", "officer")
    _confirmed_device(officer)
    _log_in(client, officer)
    response = client.get(reverse("api:api-me"))
    assert response.status_code == 403
    assert "Two-factor" in response.json()["detail"]


def test_api_token_for_an_officer_needs_a_current_code(client, traveller):
    officer = make_user("EU", "officer", username="api.officer")
    device = _confirmed_device(officer)
    url = reverse("api:api-token")
    missing = client.post(url, {"username": "api.officer", "password": PASSWORD})
    assert missing.status_code == 400 and "otp" in missing.json()
    wrong = client.post(url, {"username": "api.officer", "password": PASSWORD, "otp": "000000"})
    assert wrong.status_code == 400 and "otp" in wrong.json()
    traveller.shift(dt.timedelta(seconds=5))
    ok = client.post(url, {"username": "api.officer", "password": PASSWORD, "otp": code_for(device)})
    assert ok.status_code == 200
    me = client.get(reverse("api:api-me"), HTTP_AUTHORIZATION=f"Token {ok.json()['token']}")
    assert me.status_code == 200


def test_api_token_for_an_officer_without_a_device_says_to_set_one_up(client):
    make_user("JP", "officer", username="api.officer")
    response = client.post(reverse("api:api-token"), {"username": "api.officer", "password": PASSWORD})
    assert response.status_code == 400
    assert "Set up two-factor authentication" in response.json()["otp"][0]


def test_api_token_for_a_researcher_needs_no_code(client):
    make_user("EU", "researcher", username="api.researcher")
    response = client.post(reverse("api:api-token"), {"username": "api.researcher", "password": PASSWORD})
    assert response.status_code == 200


def test_guessing_codes_is_slowed_down_with_a_message(client, traveller):
    evaluator = make_user("EU", "evaluator")
    device = _confirmed_device(evaluator)
    _log_in(client, evaluator)
    client.post(reverse("two_factor_verify"), {"code": "111111"})
    right_but_too_soon = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert right_but_too_soon.status_code == 200
    assert "Too many wrong codes" in right_but_too_soon.content.decode()
    traveller.shift(dt.timedelta(seconds=5))
    assert client.post(reverse("two_factor_verify"), {"code": code_for(device)}).status_code == 302
