"""Error pages in the portal's layout and the user's language, with a way back."""

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import permission_denied

from tests.factories import UserFactory


@pytest.mark.django_db
def test_missing_page_is_in_the_portal_layout_and_in_japanese(client):
    response = client.get("/calls/999999999/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 404
    body = response.content.decode()
    assert "ページが見つかりません" in body
    assert "ポータルに戻る" in body
    assert 'id="main"' in body
    assert "Not Found" not in body


@pytest.mark.django_db
def test_missing_page_in_english_leads_a_signed_in_user_back_to_the_dashboard(client):
    client.force_login(UserFactory())
    response = client.get("/calls/999999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'href="/dashboard/"' in body


@pytest.mark.django_db
def test_refusal_page_says_why():
    request = RequestFactory().get("/")
    request.user = UserFactory()
    with translation.override("en"):
        refused = permission_denied(request, PermissionDenied("Only researchers can start a proposal."))
    text = refused.content.decode()
    assert refused.status_code == 403
    assert "Only researchers can start a proposal." in text
    assert "Back to the portal" in text


def test_server_error_page_needs_no_request_and_speaks_japanese():
    with translation.override("ja"):
        html = render_to_string("500.html")
    assert "エラーが発生しました" in html
    assert "ポータルに戻る" in html
