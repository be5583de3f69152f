"""Japanese text is accepted and found: proposal titles, organisations and people."""

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from calls.enums import CallState
from loi_portal.models import Organisation, User
from proposals.selectors import proposals_for_user
from proposals.services import on_call_closed
from tests.factories import OrganisationFactory, make_call, make_submitted_proposal, make_user

TITLE = "量子もつれを用いた地震早期警報の共同研究"


def _call_with_japanese_and_english_proposals():
    call = make_call(
        state=CallState.CLOSED,
        opens_at=timezone.now() - dt.timedelta(days=30),
        deadline=timezone.now() - dt.timedelta(days=2),
    )
    japanese, english = make_submitted_proposal(call=call), make_submitted_proposal(call=call)
    japanese.title = TITLE
    japanese.abstract = "東京大学と欧州の研究機関による量子センサーの開発。"
    japanese.save(update_fields=["title", "abstract"])
    english.title = "Quantum memories for repeaters"
    english.save(update_fields=["title"])
    on_call_closed(call)  # the officers of both Sides now see the submitted proposals
    return call, japanese, english


def test_the_officers_proposal_list_finds_a_proposal_by_a_japanese_word_of_its_title(client_eu_officer):
    call, japanese, english = _call_with_japanese_and_english_proposals()
    response = client_eu_officer.get(reverse("proposals:call_list", args=[call.pk]), {"q": "量子もつれ"})
    assert response.status_code == 200
    page = response.content.decode()
    assert japanese.number in page
    assert english.number not in page


def test_the_api_search_finds_a_proposal_by_a_japanese_word_of_its_title(client_jp_officer):
    _call, japanese, english = _call_with_japanese_and_english_proposals()
    response = client_jp_officer.get("/api/v1/proposals/", {"search": "地震早期警報"})
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    numbers = {row["number"] for row in rows}
    assert japanese.number in numbers
    assert english.number not in numbers


def test_a_japanese_organisation_and_pi_name_find_the_proposal(eu_officer):
    call, japanese, english = _call_with_japanese_and_english_proposals()
    org = japanese.partners.get(side__code="JP").organisation
    org.name = "東京大学"
    org.save(update_fields=["name"])
    assert list(proposals_for_user(eu_officer, call, search="東京大学")) == [japanese]
    # Both factory proposals have the Japanese PI 山田 太郎.
    assert set(proposals_for_user(eu_officer, call, search="山田 太郎")) == {japanese, english}


def test_registration_accepts_a_japanese_name_and_organisation(db):
    OrganisationFactory(side_code="JP", name="東京大学", email_domain="u-tokyo.example.jp")
    org = Organisation.objects.get(name="東京大学")
    client = Client()
    page = client.get(reverse("register")).content.decode()
    assert "東京大学" in page
    response = client.post(
        reverse("register"),
        {
            "first_name": "太郎",
            "last_name": "山田",
            "username": "山田太郎",
            "email": "yamada@u-tokyo.example.jp",
            "organisation": org.pk,
            "language": "ja",
            "password1": "とても長い合言葉-2027",
            "password2": "とても長い合言葉-2027",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="yamada@u-tokyo.example.jp")
    assert (user.last_name, user.first_name, user.organisation.name) == ("山田", "太郎", "東京大学")
    assert user.side.code == "JP"
    assert user.language == "ja"


def test_a_japanese_user_name_is_shown_on_their_dashboard(db):
    user = make_user("JP", "researcher", first_name="太郎", last_name="山田", language="ja")
    client = Client()
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    assert "山田" in page and "太郎" in page
