"""Every officer and expert page renders, in English and Japanese, with the demo's data."""

import pytest
from django.urls import reverse

from calls import demo
from loi_portal import demo as portal_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    context: dict = {}
    portal_demo.seed(context)
    demo.seed(context)
    return context


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_officer_page_renders(ctx, client_for, language):
    client = client_for(ctx["users"]["eu_officer"])
    client.cookies["loi_language"] = language
    open_call, draft, version = ctx["open_call"], ctx["draft_call"], ctx["plan_version"]
    topic = ctx["topics"][0]
    urls = [
        reverse("calls:list"),
        reverse("calls:create"),
        reverse("calls:detail", args=[open_call.pk]),
        reverse("calls:detail", args=[draft.pk]),
        reverse("calls:edit", args=[draft.pk]),
        reverse("calls:approve_text", args=[draft.pk]),
        reverse("calls:transition", args=[draft.pk, "published"]),
        reverse("calls:deadline_change", args=[open_call.pk]),
        reverse("calls:topic_list"),
        reverse("calls:topic_create"),
        reverse("calls:topic_detail", args=[topic.pk]),
        reverse("calls:topic_edit", args=[topic.pk]),
        reverse("calls:topic_request_opinion", args=[topic.pk]),
        reverse("calls:plan_list"),
        reverse("calls:plan_create"),
        reverse("calls:plan_detail", args=[version.plan_id]),
        reverse("calls:plan_new_version", args=[version.plan_id]),
        reverse("dashboard"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'style="' not in html and "<script>" not in html, url


def test_the_expert_page_and_the_dashboard_card(ctx, client_for):
    expert = ctx["users"]["eu_expert"]
    client = client_for(expert)
    opinion = ctx["topics"][0].opinions.get(expert=expert)
    assert client.get(reverse("calls:opinion_answer", args=[opinion.pk])).status_code == 200
    assert "Topics for my opinion" in client.get(reverse("dashboard")).content.decode()
    assert client.get(reverse("calls:topic_detail", args=[ctx["topics"][1].pk])).status_code == 404


def test_officers_get_nav_links_and_anonymous_visitors_the_calls_link(ctx, client, client_for):
    html = client_for(ctx["users"]["eu_officer"]).get(reverse("calls:list")).content.decode()
    assert reverse("calls:topic_list") in html and reverse("calls:plan_list") in html
    anonymous = client.get(reverse("home")).content.decode()
    assert reverse("calls:list") in anonymous and reverse("calls:plan_list") not in anonymous
