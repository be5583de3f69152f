"""Production settings pass Django's deployment checks; every page carries the security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_passes_with_production_settings():
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "loi-portal.example.eu",
        "DATABASE_URL": os.environ["DATABASE_URL"],
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_a_weak_secret_key():
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "0",
        "SECRET_KEY": "short",
        "ALLOWED_HOSTS": "loi-portal.example.eu",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr


CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = [part.strip().split(" ", 1) for part in header.split(";") if part.strip()]
    return dict(parts)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "login"])
def test_pages_carry_the_security_headers(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    policy = _policy(response)
    for directive, value in CSP.items():
        assert policy[directive] == value, directive
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_https_requests_get_hsts_and_secure_cookies(client, settings):
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response.cookies["csrftoken"]["secure"]
    assert settings.SESSION_COOKIE_SECURE and settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(client_eu_officer):
    """The CSP refuses inline code, so a page that relied on it would break in the browser."""
    for url in [reverse("home"), reverse("dashboard"), reverse("login")]:
        html = client_eu_officer.get(url).content.decode()
        assert "<script>" not in html and "<style" not in html and ' style="' not in html, url


@pytest.mark.django_db
def test_api_docs_work_under_the_csp(client_eu_officer):
    """Swagger UI's page loads its CSS and scripts from this installation; its initialising script is
    a separate same-origin request (?script), not an inline script."""
    page = client_eu_officer.get(reverse("api-docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert _policy(page)["script-src"] == "'self'"
    assert "<script>" not in html and "<style" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/css/api_docs.css" in html
    script = client_eu_officer.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    static = client_eu_officer.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert static.status_code == 200
    static.close()


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2():
    user = make_user("EU", "researcher")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("correct horse battery staple")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1", "too short"), ("password123", "too common"), ("4815162342", "entirely numeric")],
)
def test_weak_passwords_are_refused_by_the_validators(password, reason):
    user = make_user("EU", "researcher", username="kenji.tanaka")
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user)
    assert reason in " ".join(excinfo.value.messages)


@pytest.mark.django_db
def test_a_password_like_the_user_name_is_refused():
    user = make_user("EU", "researcher", username="kenjitanaka")
    with pytest.raises(ValidationError, match="too similar"):
        validate_password("kenjitanaka1", user)


@pytest.mark.django_db
def test_redoc_page_relaxes_only_inline_styles(client):
    """Redoc writes <style> elements at run time: its page alone allows inline styles, never scripts,
    and loads no fonts from the internet."""
    response = client.get(reverse("api-redoc"))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["script-src"] == "'self'"
    html = response.content.decode()
    assert "fonts.googleapis.com" not in html and "<script>" not in html
