"""Deadlines in both Tokyo and Brussels time, amounts in each Side's own currency, in Japanese too."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from tests.factories import make_call, make_user

# 08:00 UTC in January: 17:00 in Tokyo, 09:00 in Brussels (CET).
DEADLINE = dt.datetime(2030, 1, 15, 8, 0, tzinfo=dt.UTC)


def _page(user=None, language="ja"):
    call = make_call(deadline=DEADLINE, eu_cap_minor=123_456_789, jp_cap_minor=1_234_567)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user:
        client.force_login(user)
    return client.get(reverse("calls:detail", args=[call.pk])).content.decode()


def test_a_deadline_is_shown_in_tokyo_and_brussels_time_in_japanese(db):
    page = _page()
    assert "2030-01-15 17:00 東京" in page
    assert "2030-01-15 09:00 ブリュッセル" in page


def test_amounts_keep_their_own_currency_and_are_never_converted(db):
    page = _page()
    assert "¥1,234,567" in page
    assert "€1,234,567.89" in page


def test_a_japanese_researcher_sees_the_same_instant_in_both_zones(db):
    user = make_user("JP", "researcher", language="ja")
    page = _page(user)
    assert "17:00 東京" in page and "09:00 ブリュッセル" in page
