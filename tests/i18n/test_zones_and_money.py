"""Deadlines in both Tokyo and Brussels time, amounts in each Side's own currency, in Japanese too;
other times in the reader's own time zone (User.time_zone, else their Side's)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from calls.services import agree_topic
from tests.factories import TopicFactory, make_call, make_user

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


# 08:00 UTC on 15 January 2026: 03:00 in New York (EST), 17:00 in Tokyo (JST).
AGREED = dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def topic_agreed_at_a_known_instant(db):
    eu = make_user("EU", "officer", language="en", time_zone="America/New_York")
    jp = make_user("JP", "officer", language="ja")  # no zone of their own: their Side's, Tokyo
    topic = TopicFactory(proposed_by=eu, is_agreed=False, agreed_at=None)
    with time_machine.travel(AGREED, tick=False):
        agree_topic(topic, by=eu)
        agree_topic(topic, by=jp)
    return topic, eu, jp


def _seen_by(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_an_officer_in_new_york_sees_the_approval_times_in_new_york_time(topic_agreed_at_a_known_instant):
    topic, eu, _jp = topic_agreed_at_a_known_instant
    page = _seen_by(eu, reverse("calls:topic_detail", args=[topic.pk]))
    assert "2026-01-15 03:00 EST" in page
    assert "2026-01-15 08:00" not in page and "17:00" not in page


def test_a_tokyo_officer_sees_the_same_approvals_in_tokyo_time(topic_agreed_at_a_known_instant):
    topic, _eu, jp = topic_agreed_at_a_known_instant
    page = _seen_by(jp, reverse("calls:topic_detail", args=[topic.pk]))
    assert "2026-01-15 17:00 JST" in page
    assert "03:00 EST" not in page


def test_the_audit_log_is_in_the_readers_own_time_zone(topic_agreed_at_a_known_instant):
    _topic, eu, jp = topic_agreed_at_a_known_instant
    assert "2026-01-15 03:00:00 EST" in _seen_by(eu, reverse("governance:audit_log"))
    assert "2026-01-15 17:00:00 JST" in _seen_by(jp, reverse("governance:audit_log"))
