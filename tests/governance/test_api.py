import pytest
from django.urls import reverse

from loi_portal import governance
from loi_portal.governance_models import Divergence
from loi_portal.models import AuditEntry
from loi_portal.services import audit
from tests.factories import OrganisationFactory, TopicFactory, make_user

pytestmark = pytest.mark.django_db


def test_the_letter_is_public_to_signed_in_users(client_eu_researcher):
    response = client_eu_researcher.get(reverse("api:governance-letter-list"))
    assert response.status_code == 200
    letter = response.json()["results"][0]
    assert {s["signatory_name"] for s in letter["signatures"]} == {"KIUCHI Minoru", "Henna Virkkunen"}
    assert letter["operational_on"] is None


def test_an_officer_records_a_receipt_through_the_api(client_jp_officer, client_eu_researcher):
    letter = client_jp_officer.get(reverse("api:governance-letter-list")).json()["results"][0]
    url = reverse("api:governance-letter-receipt", args=[letter["id"], letter["signatures"][0]["id"]])
    assert client_eu_researcher.post(url, {"notification_received_on": "2025-05-14"}).status_code == 403
    response = client_jp_officer.post(
        url, {"notification_received_on": "2025-05-14"}, content_type="application/json"
    )
    assert response.status_code == 200
    bad = client_jp_officer.post(
        url, {"notification_received_on": "2025-05-01"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "notification_received_on" in bad.json()


def test_divergence_lifecycle_through_the_api(client_eu_officer, client_jp_officer):
    topic = TopicFactory()
    response = client_eu_officer.post(
        reverse("api:governance-divergence-list"),
        {"subject": "Threshold", "description": "", "linked": [{"type": "calls.topic", "id": topic.pk}]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    position = reverse("api:governance-divergence-position", args=[pk])
    assert (
        client_jp_officer.post(position, {"text": "JP"}, content_type="application/json").status_code == 200
    )
    escalate = reverse("api:governance-divergence-escalate", args=[pk])
    body = {"escalated_on": "2026-11-01", "escalated_to": "DDG"}
    assert client_jp_officer.post(escalate, body, content_type="application/json").status_code == 200
    again = client_jp_officer.post(escalate, body, content_type="application/json")
    assert again.status_code == 403
    detail = client_eu_officer.get(reverse("api:governance-divergence-detail", args=[pk])).json()
    assert detail["state"] == "escalated" and detail["positions"][0]["text"] == "JP"
    assert detail["links"][0]["type"] == "calls.topic"


def test_a_divergence_with_a_missing_subject_names_the_field(client_eu_officer):
    response = client_eu_officer.post(
        reverse("api:governance-divergence-list"), {"subject": ""}, content_type="application/json"
    )
    assert response.status_code == 400 and "subject" in response.json()


@pytest.mark.parametrize("side", ["EU", "JP"])
@pytest.mark.parametrize("role", ["researcher", "evaluator", "expert", "observer"])
def test_divergences_are_hidden_from_everybody_but_officers_in_the_api(client_for, eu_officer, side, role):
    divergence = governance.open_divergence("Secret", by=eu_officer)
    client = client_for(make_user(side, role))
    assert client.get(reverse("api:governance-divergence-list")).json()["results"] == []
    assert client.get(reverse("api:governance-divergence-detail", args=[divergence.pk])).status_code == 404
    response = client.post(
        reverse("api:governance-divergence-list"), {"subject": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Divergence.objects.count() == 1


def test_disclosure_through_the_api(client_eu_officer, client_eu_researcher):
    topic = TopicFactory()
    org = OrganisationFactory(side_code="EU")
    body = {
        "type": "calls.topic",
        "object_id": topic.pk,
        "provided_by": org.pk,
        "audience": "other_side",
        "to_side": "JP",
        "permitted_on": "2026-10-01",
        "permission_text": "Agreed.",
    }
    assert (
        client_eu_researcher.post(
            reverse("api:governance-disclosure-list"), body, content_type="application/json"
        ).status_code
        == 403
    )
    response = client_eu_officer.post(
        reverse("api:governance-disclosure-list"), body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["subject_type"] == "calls.topic"
    body["audience"] = "third_party"
    response = client_eu_officer.post(
        reverse("api:governance-disclosure-list"), body, content_type="application/json"
    )
    assert response.status_code == 400 and "third_party" in response.json()


def test_the_discontinuation_api_needs_both_sides_for_an_earlier_date(client_eu_officer, client_jp_officer):
    response = client_eu_officer.post(
        reverse("api:governance-notice-list"),
        {"given_on": "2026-11-01", "text": "Notice."},
        content_type="application/json",
    )
    assert response.status_code == 201
    notice_pk = response.json()["id"]
    response = client_eu_officer.post(
        reverse("api:governance-notice-decide", args=[notice_pk]),
        {"effective_on": "2026-12-01", "text": "Earlier."},
        content_type="application/json",
    )
    assert response.status_code == 201
    decision_pk = response.json()["id"]
    assert (
        client_eu_officer.post(reverse("api:governance-decision-approve", args=[decision_pk])).status_code
        == 403
    )
    response = client_jp_officer.post(reverse("api:governance-decision-approve", args=[decision_pk]))
    assert response.status_code == 200 and response.json()["agreed_at"]


def test_the_audit_log_api_shows_only_the_own_sides_part(client_jp_officer, client_jp_researcher):
    audit("eu.only", by=None, sides=["EU"])
    audit("jp.only", by=None, sides=["JP"])
    actions = [e["action"] for e in client_jp_officer.get(reverse("api:audit-entry-list")).json()["results"]]
    assert "jp.only" in actions and "eu.only" not in actions
    filtered = client_jp_officer.get(reverse("api:audit-entry-list"), {"action": "jp."}).json()["results"]
    assert [e["action"] for e in filtered] == ["jp.only"]
    assert client_jp_researcher.get(reverse("api:audit-entry-list")).json()["results"] == []
    eu_entry = AuditEntry.objects.get(action="eu.only")
    assert client_jp_officer.get(reverse("api:audit-entry-detail", args=[eu_entry.pk])).status_code == 404


def test_the_audit_log_api_offers_no_way_to_change_an_entry(client_eu_officer):
    entry = audit("x", by=None)
    url = reverse("api:audit-entry-detail", args=[entry.pk])
    assert client_eu_officer.delete(url).status_code == 405
    assert client_eu_officer.patch(url, {"action": "y"}, content_type="application/json").status_code == 405
