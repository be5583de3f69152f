import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loi_portal import governance
from loi_portal.governance_models import Divergence, LetterOfIntent
from loi_portal.models import AuditEntry
from loi_portal.services import audit
from tests.factories import OrganisationFactory, TopicFactory, make_user
from tests.proposals.pdfs import good_pdf

pytestmark = pytest.mark.django_db

PDF = good_pdf()
OUTSIDERS = [
    (side, role) for side in ("EU", "JP") for role in ("researcher", "evaluator", "expert", "observer")
]


def _divergence(officer, **kwargs):
    return governance.open_divergence("Weight of Impact", by=officer, **kwargs)


@pytest.mark.parametrize("client_fixture", ["client_eu_officer", "client_jp_officer"])
def test_officers_of_both_sides_see_every_governance_page(request, client_fixture, eu_officer):
    client = request.getfixturevalue(client_fixture)
    divergence = _divergence(eu_officer)
    for name, args in [
        ("governance:letter", []),
        ("governance:discontinuation", []),
        ("governance:notice_new", []),
        ("governance:divergence_list", []),
        ("governance:divergence_new", []),
        ("governance:divergence_detail", [divergence.pk]),
        ("governance:disclosure_list", []),
        ("governance:disclosure_new", []),
        ("governance:audit_log", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name


@pytest.mark.parametrize(("side", "role"), OUTSIDERS)
def test_divergences_do_not_exist_for_anyone_but_officers(client_for, eu_officer, side, role):
    divergence = _divergence(eu_officer)
    governance.write_divergence_position(divergence, text="Secret position.", by=eu_officer)
    client = client_for(make_user(side, role))
    for name, args in [
        ("governance:divergence_list", []),
        ("governance:divergence_detail", [divergence.pk]),
        ("governance:divergence_position", [divergence.pk]),
        ("governance:discontinuation", []),
        ("governance:disclosure_list", []),
        ("governance:audit_log", []),
        ("governance:audit_log_csv", []),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 404, name
        assert b"Secret position" not in response.content
    response = client.post(reverse("governance:divergence_position", args=[divergence.pk]), {"text": "x"})
    assert response.status_code == 404
    assert Divergence.objects.get().positions.get().text == "Secret position."


def test_the_letter_page_shows_signatories_and_pending_operational_date(client_eu_researcher):
    html = client_eu_researcher.get(reverse("governance:letter")).content.decode()
    assert "KIUCHI Minoru" in html and "Henna Virkkunen" in html
    assert "Not yet" in html
    assert "notification_received_on" not in html  # no form for a researcher


def test_an_officer_records_the_receipts_and_the_letter_becomes_operational(client_jp_officer):
    letter = LetterOfIntent.objects.get()
    for signature, day in zip(letter.signatures.all(), ["2025-05-14", "2025-05-19"], strict=True):
        response = client_jp_officer.post(
            reverse("governance:signature_receipt", args=[signature.pk]), {"notification_received_on": day}
        )
        assert response.status_code == 302
    html = client_jp_officer.get(reverse("governance:letter")).content.decode()
    assert "19 May 2025" in html or "May 19, 2025" in html


def test_a_researcher_cannot_record_a_receipt(client_eu_researcher):
    signature = LetterOfIntent.objects.get().signatures.first()
    response = client_eu_researcher.post(
        reverse("governance:signature_receipt", args=[signature.pk]),
        {"notification_received_on": "2025-05-14"},
    )
    assert response.status_code == 404
    signature.refresh_from_db()
    assert signature.notification_received_on is None


def test_giving_notice_needs_the_confirmation_and_keeps_the_values(client_eu_officer):
    url = reverse("governance:notice_new")
    response = client_eu_officer.post(url, {"given_on": "2026-12-01", "text": "The EU discontinues."})
    assert response.status_code == 200
    assert "The EU discontinues." in response.content.decode()
    assert "This field is required" in response.content.decode()
    response = client_eu_officer.post(
        url,
        {
            "given_on": "2026-12-01",
            "text": "The EU discontinues.",
            "confirm": "on",
            "document": SimpleUploadedFile("notice.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    detail = client_eu_officer.get(response["Location"]).content.decode()
    assert "1 March 2027" in detail or "March 1, 2027" in detail
    download = client_eu_officer.get(response["Location"] + "document/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="discontinuation.download", actor_name="eu_officer").exists()


def test_a_notice_document_must_be_a_pdf(client_eu_officer):
    response = client_eu_officer.post(
        reverse("governance:notice_new"),
        {
            "given_on": "2026-12-01",
            "text": "Notice.",
            "confirm": "on",
            "document": SimpleUploadedFile("notice.pdf", b"MZ not a pdf", content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "This file is not a PDF. Only PDF files are accepted." in response.content.decode()


def test_mutual_decision_through_the_pages(client_eu_officer, client_jp_officer):
    given = dt.date.today()
    notice = governance.give_discontinuation_notice(given_on=given, text="Notice.", by=client_eu_officer.user)
    earlier = given + dt.timedelta(days=30)
    response = client_eu_officer.post(
        reverse("governance:decision_new", args=[notice.pk]),
        {"effective_on": earlier.isoformat(), "text": "Both Sides agree."},
    )
    assert response.status_code == 302
    decision = notice.decisions.get()
    assert decision.agreed_at is None
    client_jp_officer.post(reverse("governance:decision_approve", args=[decision.pk]))
    decision.refresh_from_db()
    assert decision.agreed_at is not None
    html = client_jp_officer.get(reverse("governance:discontinuation")).content.decode()
    assert earlier.strftime("%Y") in html


def test_opening_a_divergence_about_a_topic_and_writing_positions(client_eu_officer, client_jp_officer):
    topic = TopicFactory()
    response = client_eu_officer.post(
        reverse("governance:divergence_new"),
        {"subject": "Budget split", "description": "", "kind": "calls.topic", "identifiers": str(topic.pk)},
    )
    assert response.status_code == 302
    divergence = Divergence.objects.get()
    assert divergence.links.get().target == topic
    client_jp_officer.post(
        reverse("governance:divergence_position", args=[divergence.pk]), {"text": "JP view."}
    )
    client_eu_officer.post(
        reverse("governance:divergence_position", args=[divergence.pk]), {"text": "EU view."}
    )
    html = client_eu_officer.get(
        reverse("governance:divergence_detail", args=[divergence.pk])
    ).content.decode()
    assert "JP view." in html and "EU view." in html
    assert AuditEntry.objects.filter(action="divergence.view", object_id=str(divergence.pk)).exists()
    client_jp_officer.post(
        reverse("governance:divergence_escalate", args=[divergence.pk]),
        {"escalated_on": "2026-11-20", "escalated_to": "Deputy Director General, CAO"},
    )
    client_eu_officer.post(
        reverse("governance:divergence_resolve", args=[divergence.pk]),
        {"resolution": "Split 70/30.", "resolved_on": "2026-11-24"},
    )
    divergence.refresh_from_db()
    assert divergence.state == "resolved"
    assert divergence.escalated_to == "Deputy Director General, CAO"


def test_an_unknown_linked_number_is_named_in_the_error(client_eu_officer):
    response = client_eu_officer.post(
        reverse("governance:divergence_new"),
        {"subject": "Budget split", "kind": "proposals.proposal", "identifiers": "NOPE-1"},
    )
    assert response.status_code == 200
    assert "NOPE-1" in response.content.decode()
    assert not Divergence.objects.exists()


def test_recording_a_disclosure_permission_for_the_council(client_jp_officer):
    topic = TopicFactory()
    org = OrganisationFactory(side_code="JP")
    response = client_jp_officer.post(
        reverse("governance:disclosure_new"),
        {
            "kind": "calls.topic",
            "identifier": str(topic.pk),
            "what": "Topic description",
            "provided_by": org.pk,
            "audience": "third_party",
            "third_party": "Digital Partnership Council",
            "permitted_on": "2026-11-01",
            "permission_text": "We agree.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    html = client_jp_officer.get(reverse("governance:disclosure_list")).content.decode()
    assert "Digital Partnership Council" in html


def test_a_third_party_disclosure_must_name_the_third_party(client_jp_officer):
    topic = TopicFactory()
    response = client_jp_officer.post(
        reverse("governance:disclosure_new"),
        {
            "kind": "calls.topic",
            "identifier": str(topic.pk),
            "provided_by": OrganisationFactory(side_code="JP").pk,
            "audience": "third_party",
            "permitted_on": "2026-11-01",
            "permission_text": "We agree.",
        },
    )
    assert response.status_code == 200
    assert "Name the third party" in response.content.decode()


# -- the audit log -----------------------------------------------------------------------------------


def test_officers_read_only_their_sides_part_of_the_log(client_eu_officer, client_jp_officer):
    audit("eu.secret", by=None, sides=["EU"])
    audit("jp.secret", by=None, sides=["JP"])
    audit("joint.thing", by=None, sides=["EU", "JP"])
    eu = client_eu_officer.get(reverse("governance:audit_log")).content.decode()
    jp = client_jp_officer.get(reverse("governance:audit_log")).content.decode()
    assert "eu.secret" in eu and "jp.secret" not in eu and "joint.thing" in eu
    assert "jp.secret" in jp and "eu.secret" not in jp and "joint.thing" in jp


def test_the_audit_log_filters_by_action_actor_type_and_date(client_eu_officer, eu_officer):
    audit("proposal.view", by=eu_officer, obj=eu_officer)
    audit("call.publish", by=None)
    url = reverse("governance:audit_log")
    html = client_eu_officer.get(url, {"action": "proposal."}).content.decode()
    assert "proposal.view" in html and "call.publish" not in html
    html = client_eu_officer.get(url, {"actor": "eu_off"}).content.decode()
    assert "proposal.view" in html and "call.publish" not in html
    html = client_eu_officer.get(
        url, {"object_type": "loi_portal.user", "action": "proposal"}
    ).content.decode()
    assert "proposal.view" in html
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    html = client_eu_officer.get(url, {"date_from": tomorrow}).content.decode()
    assert "No entry matches." in html


def test_the_audit_log_is_paginated(client_eu_officer):
    for n in range(55):
        audit(f"bulk.{n:02d}", by=None)
    first = client_eu_officer.get(reverse("governance:audit_log")).content.decode()
    second = client_eu_officer.get(reverse("governance:audit_log"), {"page": 2}).content.decode()
    assert "Page 1 of 2" in first
    assert "bulk.00" in second and "bulk.00" not in first


def test_the_csv_export_is_safe_from_formula_injection_and_audited(client_eu_officer):
    audit('=HYPERLINK("http://evil")', by=None, sides=["EU"], note="x")
    audit("+cmd", by=None, sides=["EU"])
    audit("jp.only", by=None, sides=["JP"])
    response = client_eu_officer.get(reverse("governance:audit_log_csv"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    assert "'+cmd" in body
    assert "jp.only" not in body
    assert AuditEntry.objects.filter(action="audit.export", visible_to="EU").exists()


@pytest.mark.parametrize("n", [1, 5])
def test_audit_log_list_is_flat(client_eu_officer, n, django_assert_num_queries):
    for i in range(n):
        audit(f"row.{i}", by=None)
    client_eu_officer.get(reverse("governance:audit_log"))  # warm the session
    with django_assert_num_queries(7):
        response = client_eu_officer.get(reverse("governance:audit_log"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 5])
def test_divergence_list_is_flat(client_eu_officer, eu_officer, jp_officer, n, django_assert_num_queries):
    topic = TopicFactory()
    for i in range(n):
        divergence = governance.open_divergence(f"Subject {i}", by=eu_officer, linked=[topic])
        governance.write_divergence_position(divergence, text="EU", by=eu_officer)
        governance.write_divergence_position(divergence, text="JP", by=jp_officer)
    with django_assert_num_queries(9):
        response = client_eu_officer.get(reverse("governance:divergence_list"))
    assert response.status_code == 200
