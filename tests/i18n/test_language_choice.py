"""The language a user chooses is saved in their profile and used on every later page and session."""

from django.test import Client
from django.urls import reverse

from loi_portal.models import User
from tests.factories import make_user


def _lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_switching_to_japanese_is_remembered_for_the_next_page_and_a_new_session(db):
    user = make_user("EU", "researcher", username="switcher", language="en")
    user.set_password("a-long-pass-phrase-1")
    user.save()
    client = Client()
    client.force_login(user)
    assert _lang(client.get(reverse("dashboard"))) == "en"

    response = client.post(reverse("set_language"), {"language": "ja", "next": reverse("dashboard")})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "ja"
    page = client.get(reverse("dashboard"))
    assert _lang(page) == "ja"
    assert "ダッシュボード" in page.content.decode()

    fresh = Client()  # a new browser: no cookie, an English Accept-Language
    fresh.force_login(User.objects.get(pk=user.pk))
    page = fresh.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert _lang(page) == "ja"
    assert "ログアウト" in page.content.decode()


def test_logging_in_again_through_the_form_keeps_japanese(db):
    user = make_user("JP", "researcher", username="yamada", language="ja")
    user.set_password("a-long-pass-phrase-1")
    user.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        reverse("login"), {"username": "yamada", "password": "a-long-pass-phrase-1"}, follow=True
    )
    assert response.status_code == 200
    assert _lang(client.get(reverse("dashboard"))) == "ja"


def test_switching_back_to_english_is_saved_too(db):
    user = make_user("JP", "researcher", language="ja")
    client = Client()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    assert _lang(client.get(reverse("dashboard"))) == "en"
