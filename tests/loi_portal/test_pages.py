import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_in_english_and_japanese(client):
    english = client.get(reverse("login"))
    assert english.status_code == 200
    assert "Log in" in english.content.decode()
    japanese = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ja")
    assert "ログイン" in japanese.content.decode()
    assert 'lang="ja"' in japanese.content.decode()


def test_language_switcher_remembers_the_choice(client):
    response = client.post(reverse("set_language"), {"language": "ja", "next": reverse("login")})
    assert response.status_code == 302
    assert "ログイン" in client.get(reverse("login")).content.decode()


def test_healthz_reports_database_redis_and_workers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert body["celery"] in {"ok", "no workers"}


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    from loi_portal import health

    def broken_cursor(*args, **kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_no_asset_is_fetched_from_another_host(client):
    html = client.get(reverse("login")).content.decode()
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_switching_language_is_remembered_in_the_profile(client_for):
    from tests.factories import make_user

    user = make_user("EU", "researcher")
    client = client_for(user)
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ja"
