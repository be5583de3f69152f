"""The officers' journey in the browser, from a topic to a published call, and the public pages."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services
from calls.enums import CallState
from calls.models import Call, PartnershipPlan, Topic
from loi_portal.timezones import BRUSSELS, TOKYO
from tests.calls.helpers import approved_draft, in_force_version, plan_data, published_call
from tests.factories import make_call, make_user

pytestmark = pytest.mark.django_db


def _plan_post(form_initial: dict, **overrides) -> dict:
    data = {k: ("" if v is None else v) for k, v in form_initial.items()}
    data.update(
        name="QST Partnership Plan 2027",
        evaluation_procedure="Each Side evaluates in parallel.",
        selection_procedure="Selected only when both Sides agree.",
        timeline="2027-01-15 | Call opens\n2027-04-15 | Deadline",
        eu_funding="7000000",
        jp_funding="1000000000",
        final_report="on",
    )
    data.update(overrides)
    return data


def test_officers_of_both_sides_go_from_a_topic_to_a_published_call(client_eu_officer, client_jp_officer):
    # A topic, proposed by the EU and agreed by both Sides.
    response = client_eu_officer.post(
        reverse("calls:topic_create"),
        {"title": "Quantum-safe cybersecurity", "description": "PQC and QKD.", "challenge": "cybersecurity"},
    )
    assert response.status_code == 302
    topic = Topic.objects.get(title="Quantum-safe cybersecurity")
    for client in (client_eu_officer, client_jp_officer):
        assert client.get(reverse("calls:topic_agree", args=[topic.pk])).status_code == 200
        assert client.post(reverse("calls:topic_agree", args=[topic.pk]), {"comment": ""}).status_code == 302
    topic.refresh_from_db()
    assert topic.is_agreed

    # A plan, with the defaults the form offers, approved by both Sides.
    from calls.forms import PlanForm

    response = client_jp_officer.post(reverse("calls:plan_create"), _plan_post(PlanForm.defaults()))
    assert response.status_code == 302, response.context["form"].errors
    plan = PartnershipPlan.objects.get()
    version = plan.versions.get()
    for client in (client_eu_officer, client_jp_officer):
        client.post(reverse("calls:plan_version_approve", args=[version.pk]), {"comment": "ok"})
    version.refresh_from_db()
    assert version.in_force_since is not None

    # A call: 17:00 Brussels time, entered by the EU officer.
    year = timezone.now().year + 1
    response = client_eu_officer.post(
        reverse("calls:create"),
        {
            "title": "Quantum for resilient societies",
            "identifier": f"EUJ-QST-{year}",
            "description": "A joint call.",
            "topics": [topic.pk],
            "plan_version": version.pk,
            "zone": "Europe/Brussels",
            "opens_at": f"{year}-01-15T09:00",
            "deadline": f"{year}-10-30T17:00",
            "eu_cap": "5000000",
            "eu_per_proposal_cap": "1500000",
            "jp_cap": "600000000",
            "jp_per_proposal_cap": "60000000",
            "page_limit": "30",
            "min_participants_per_side": "1",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    call = Call.objects.get()
    assert call.deadline == dt.datetime(year, 10, 30, 17, 0, tzinfo=BRUSSELS)
    for client in (client_eu_officer, client_jp_officer):
        client.post(reverse("calls:approve_text", args=[call.pk]), {"comment": ""})
    page = client_jp_officer.get(reverse("calls:transition", args=[call.pk, "published"]))
    assert "Confirm" in page.content.decode()
    response = client_jp_officer.post(
        reverse("calls:transition", args=[call.pk, "published"]), {"reason": ""}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.PUBLISHED


def test_a_refused_transition_says_why_on_the_page(client_eu_officer, eu_officer, jp_officer):
    call = approved_draft(eu_officer, jp_officer)
    call.deadline = timezone.now() - dt.timedelta(minutes=1)
    call.opens_at = call.deadline - dt.timedelta(days=1)
    call.save()
    response = client_eu_officer.post(
        reverse("calls:transition", args=[call.pk, "published"]), {"reason": ""}
    )
    assert response.status_code == 200
    assert "The deadline is in the past" in response.content.decode()


def test_the_call_form_keeps_values_and_names_the_field_at_fault(client_eu_officer, eu_officer, jp_officer):
    version = in_force_version(eu_officer, jp_officer)
    response = client_eu_officer.post(
        reverse("calls:create"),
        {
            "title": "Kept title",
            "identifier": "EUJ-KEEP",
            "description": "d",
            "topics": [],
            "plan_version": version.pk,
            "zone": "Europe/Brussels",
            "opens_at": "2031-03-30T02:30",
            "deadline": "2031-03-29T17:00",
            "eu_cap": "70000000",
            "eu_per_proposal_cap": "1",
            "jp_cap": "1",
            "jp_per_proposal_cap": "1",
            "page_limit": "30",
            "min_participants_per_side": "1",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Kept title"' in html
    form = response.context["form"]
    assert "opens_at" in form.errors  # 02:30 on 30 March 2031 does not exist in Brussels
    assert "topics" in form.errors


def test_a_budget_above_the_plan_is_shown_on_the_budget_field(client_eu_officer, eu_officer, jp_officer):
    version = in_force_version(eu_officer, jp_officer)
    topic = make_call(state=CallState.DRAFT).topics.get()
    response = client_eu_officer.post(
        reverse("calls:create"),
        {
            "title": "T",
            "identifier": "EUJ-BUDGET",
            "description": "d",
            "topics": [topic.pk],
            "plan_version": version.pk,
            "zone": "Asia/Tokyo",
            "opens_at": "2031-01-10T12:00",
            "deadline": "2031-04-10T12:00",
            "eu_cap": "7000000.01",
            "eu_per_proposal_cap": "1",
            "jp_cap": "1",
            "jp_per_proposal_cap": "1",
            "page_limit": "30",
            "min_participants_per_side": "1",
        },
    )
    assert "above the Partnership Plan" in " ".join(response.context["form"].errors["eu_cap"])


@pytest.mark.parametrize(
    ("brussels", "utc", "tokyo"),
    [
        (dt.datetime(2026, 3, 30, 17, 0), dt.datetime(2026, 3, 30, 15, 0), "2026-03-31 00:00"),
        (dt.datetime(2026, 10, 30, 17, 0), dt.datetime(2026, 10, 30, 16, 0), "2026-10-31 01:00"),
    ],
)
def test_a_17h_brussels_deadline_in_summer_and_winter_time(client, brussels, utc, tokyo):
    from calls.forms import CallForm

    form = CallForm()
    form.cleaned_data = {"zone": "Europe/Brussels", "opens_at": None, "deadline": brussels}
    form._errors = {}
    cleaned = form.clean()
    assert cleaned["deadline"] == utc.replace(tzinfo=dt.UTC)
    call = make_call(
        state=CallState.PUBLISHED,
        deadline=cleaned["deadline"],
        opens_at=cleaned["deadline"] - dt.timedelta(days=60),
    )
    html = client.get(reverse("calls:detail", args=[call.pk])).content.decode()
    assert f"{tokyo} Tokyo" in html
    assert f"{brussels:%Y-%m-%d} 17:00 Brussels" in html


def test_anyone_browses_published_calls_but_not_drafts(client):
    published = make_call(state=CallState.OPEN)
    draft = make_call(state=CallState.DRAFT)
    listing = client.get(reverse("calls:list")).content.decode()
    assert published.identifier in listing and draft.identifier not in listing
    assert client.get(reverse("calls:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("calls:ics", args=[draft.pk])).status_code == 404
    page = client.get(reverse("calls:detail", args=[published.pk])).content.decode()
    assert "€7,000,000.00" in page and "¥300,000,000" in page
    assert "js/calls-countdown.js" in page
    assert 'data-deadline="' in page
    assert "<script>" not in page and 'style="' not in page
    assert "At least 1 participant established in each Side" in page


def test_the_ics_file_is_a_valid_calendar_with_a_utc_start(client):
    deadline = dt.datetime(2026, 10, 30, 16, 0, tzinfo=dt.UTC)
    call = make_call(state=CallState.OPEN, deadline=deadline, opens_at=deadline - dt.timedelta(days=90))
    response = client.get(reverse("calls:ics", args=[call.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    lines = body.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20261030T160000Z" in lines
    assert "VERSION:2.0" in lines and any(line.startswith("UID:") for line in lines)
    assert all(len(line.encode()) <= 75 for line in lines)


def test_officers_see_drafts_in_the_list_and_can_filter_by_state(client_jp_officer):
    draft = make_call(state=CallState.DRAFT)
    make_call(state=CallState.OPEN)
    html = client_jp_officer.get(reverse("calls:list"), {"state": "draft"}).content.decode()
    assert draft.identifier in html
    assert html.count("EUJ-QST-TEST-") == 1


def test_the_call_list_searches_and_says_when_nothing_matches(client):
    make_call(state=CallState.OPEN, title="Quantum sensing")
    html = client.get(reverse("calls:list"), {"q": "nothing like this"}).content.decode()
    assert "No call matches your search." in html


def test_empty_call_list(client):
    assert "No call has been published yet." in client.get(reverse("calls:list")).content.decode()


@pytest.mark.parametrize("role", ["researcher", "evaluator", "observer"])
def test_other_roles_cannot_open_officer_pages(role, client_for):
    user = make_user("JP", role)
    client = client_for(user)
    draft = make_call(state=CallState.DRAFT)
    assert client.get(reverse("calls:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("calls:create")).status_code == 403
    assert client.get(reverse("calls:plan_list")).status_code == 403
    assert client.get(reverse("calls:topic_list")).status_code == 404
    assert client.get(reverse("calls:plan_detail", args=[draft.plan_version.plan_id])).status_code == 404


def test_an_expert_answers_on_the_page_and_officers_of_the_other_side_read_it(
    client_for, eu_officer, client_jp_officer
):
    expert = make_user("JP", "expert")
    topic = services.propose_topic(
        by=eu_officer, title="Quantum materials", description="d", challenge="energy"
    )
    services.request_opinion(topic, expert=expert, by=eu_officer)
    opinion = topic.opinions.get()
    client = client_for(expert)
    listing = client.get(reverse("calls:topic_list")).content.decode()
    assert "Quantum materials" in listing
    response = client.post(
        reverse("calls:opinion_answer", args=[opinion.pk]), {"stance": "support", "text": "Timely."}
    )
    assert response.status_code == 302
    page = client_jp_officer.get(reverse("calls:topic_detail", args=[topic.pk])).content.decode()
    assert "Timely." in page and "Support" in page
    other_expert = make_user("EU", "expert")
    assert client_for(other_expert).get(reverse("calls:opinion_answer", args=[opinion.pk])).status_code == 404


def test_an_officer_asks_experts_of_both_sides(client_jp_officer, eu_officer):
    eu_expert, jp_expert = make_user("EU", "expert"), make_user("JP", "expert")
    topic = services.propose_topic(by=eu_officer, title="T", description="d", challenge="energy")
    response = client_jp_officer.post(
        reverse("calls:topic_request_opinion", args=[topic.pk]), {"experts": [eu_expert.pk, jp_expert.pk]}
    )
    assert response.status_code == 302
    assert set(topic.opinions.values_list("expert__side__code", flat=True)) == {"EU", "JP"}


def test_the_plan_page_shows_history_and_an_escaped_diff(client_eu_officer, eu_officer, jp_officer):
    version = in_force_version(eu_officer, jp_officer)
    services.new_plan_version(
        version.plan, by=jp_officer, **plan_data(selection_procedure="<script>alert(1)</script>")
    )
    html = client_eu_officer.get(reverse("calls:plan_detail", args=[version.plan_id])).content.decode()
    assert "Version 1" in html and "Version 2" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert re.search(r'class="diff-add">\+', html)
    assert "Approve this version for my Side" in html


def test_the_new_version_form_starts_from_the_latest_version(client_jp_officer, eu_officer, jp_officer):
    version = in_force_version(eu_officer, jp_officer)
    page = client_jp_officer.get(reverse("calls:plan_new_version", args=[version.plan_id]))
    assert page.context["form"].initial["jp_funding"] == 1_000_000_000
    data = dict(page.context["form"].initial)
    data = {k: v for k, v in data.items() if v is not None}
    data["jp_funding"] = "900000000"
    data["final_report"] = "on"
    response = client_jp_officer.post(reverse("calls:plan_new_version", args=[version.plan_id]), data)
    assert response.status_code == 302, response.context["form"].errors
    assert version.plan.versions.count() == 2


def test_deadline_change_through_the_pages(client_eu_officer, client_jp_officer, eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    new = (call.deadline + dt.timedelta(days=3)).astimezone(dt.UTC)
    response = client_eu_officer.post(
        reverse("calls:deadline_change", args=[call.pk]),
        {
            "zone": "Asia/Tokyo",
            "new_deadline": new.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Outage",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    change = call.deadline_changes.get()
    for client in (client_eu_officer, client_jp_officer):
        client.post(reverse("calls:deadline_change_approve", args=[change.pk]), {"comment": ""})
    call.refresh_from_db()
    assert call.deadline == new.replace(second=0, microsecond=0)
    html = client_eu_officer.get(reverse("calls:detail", args=[call.pk])).content.decode()
    assert "Outage" in html and "applied" in html


@pytest.mark.parametrize("n", [1, 5])
def test_public_call_list_query_count_is_flat(client, n, django_assert_num_queries):
    for _ in range(n):
        make_call(state=CallState.OPEN)
    client.get(reverse("calls:list"))  # warm-up: session and content-type caches
    with django_assert_num_queries(5):
        client.get(reverse("calls:list"))


@pytest.mark.parametrize("n", [1, 5])
def test_officer_topic_list_query_count_is_flat(client_eu_officer, eu_officer, n, django_assert_num_queries):
    for i in range(n):
        services.propose_topic(by=eu_officer, title=f"T{i}", description="d", challenge="energy")
    client_eu_officer.get(reverse("calls:topic_list"))  # warm-up: session and content-type caches
    with django_assert_num_queries(7):
        client_eu_officer.get(reverse("calls:topic_list"))


@pytest.mark.parametrize("n", [1, 5])
def test_officer_plan_list_query_count_is_flat(client_eu_officer, eu_officer, n, django_assert_num_queries):
    for _ in range(n):
        services.create_plan(by=eu_officer, name="P", **plan_data())
    client_eu_officer.get(reverse("calls:plan_list"))  # warm-up: session and content-type caches
    with django_assert_num_queries(8):
        client_eu_officer.get(reverse("calls:plan_list"))
