import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from loi_portal import governance
from loi_portal.governance_models import DivergenceState, LetterOfIntent
from loi_portal.models import AuditEntry
from tests.factories import TopicFactory, make_user

pytestmark = pytest.mark.django_db

D = dt.date


def test_the_real_letter_is_recorded_with_both_signatories():
    letter = LetterOfIntent.objects.get()
    assert letter.signed_on == D(2025, 5, 13)
    assert letter.signed_at_place == "Tokyo"
    names = {s.side.code: s.signatory_name for s in letter.signatures.all()}
    assert names == {"JP": "KIUCHI Minoru", "EU": "Henna Virkkunen"}
    assert letter.operational_on is None  # receipts of the notifications not recorded yet


def test_operational_date_is_the_receipt_of_the_last_notification(eu_officer):
    letter = LetterOfIntent.objects.get()
    eu, jp = sorted(letter.signatures.all(), key=lambda s: s.side.code)
    governance.record_notification_receipt(jp, received_on=D(2025, 5, 20), by=eu_officer)
    assert LetterOfIntent.objects.get().operational_on is None
    governance.record_notification_receipt(eu, received_on=D(2025, 5, 16), by=eu_officer)
    assert LetterOfIntent.objects.get().operational_on == D(2025, 5, 20)


def test_a_notification_cannot_be_received_before_the_signature(eu_officer):
    signature = LetterOfIntent.objects.get().signatures.first()
    with pytest.raises(ValidationError):
        governance.record_notification_receipt(signature, received_on=D(2025, 5, 1), by=eu_officer)


def test_discontinuation_takes_effect_90_days_after_the_notice(jp_officer):
    governance.give_discontinuation_notice(given_on=D(2026, 1, 10), text="We discontinue.", by=jp_officer)
    effective = dt.datetime(2026, 4, 10, tzinfo=dt.UTC) - dt.timedelta(hours=9)  # 00:00 in Tokyo
    assert governance.new_calls_allowed(at=effective - dt.timedelta(seconds=1))
    assert not governance.new_calls_allowed(at=effective)
    assert "discontinued its participation" in governance.discontinuation_notice(at=effective)
    assert "gave written notice" in governance.discontinuation_notice(at=effective - dt.timedelta(days=1))


def test_no_notice_means_new_calls_are_allowed_and_no_banner(client):
    assert governance.new_calls_allowed()
    assert governance.discontinuation_notice() == ""
    assert "discontinuation-notice" not in client.get(reverse("login")).content.decode()


def test_every_page_shows_the_notice_once_given(client, eu_officer):
    today = dt.date.today()
    governance.give_discontinuation_notice(given_on=today, text="We discontinue.", by=eu_officer)
    html = client.get(reverse("login")).content.decode()
    assert "discontinuation-notice" in html
    assert "European Union gave written notice" in html


def test_an_earlier_date_needs_the_mutual_decision_of_both_sides(eu_officer, jp_officer):
    notice = governance.give_discontinuation_notice(given_on=D(2026, 1, 10), text="Notice.", by=eu_officer)
    decision = governance.propose_discontinuation_decision(
        notice, effective_on=D(2026, 2, 1), text="Both Sides agree to end on 1 February.", by=eu_officer
    )
    feb = dt.datetime(2026, 2, 2, tzinfo=dt.UTC)
    assert governance.new_calls_allowed(at=feb)  # only the EU approved so far
    with pytest.raises(PermissionDenied):  # the EU approved already
        governance.approve_discontinuation_decision(decision, by=make_user("EU", "officer"))
    governance.approve_discontinuation_decision(decision, by=jp_officer)
    assert not governance.new_calls_allowed(at=feb)
    assert AuditEntry.objects.filter(action="discontinuation.decision_agreed").exists()


def test_a_mutual_decision_cannot_postpone_the_date(eu_officer):
    notice = governance.give_discontinuation_notice(given_on=D(2026, 1, 10), text="Notice.", by=eu_officer)
    with pytest.raises(ValidationError) as excinfo:
        governance.propose_discontinuation_decision(
            notice, effective_on=D(2026, 6, 1), text="Later.", by=eu_officer
        )
    assert "effective_on" in excinfo.value.message_dict


@pytest.mark.parametrize("role", ["researcher", "evaluator", "expert", "observer"])
@pytest.mark.parametrize("side", ["EU", "JP"])
def test_only_officers_give_notice_or_open_divergences(role, side):
    user = make_user(side, role)
    with pytest.raises(PermissionDenied):
        governance.give_discontinuation_notice(given_on=D(2026, 1, 10), text="x", by=user)
    with pytest.raises(PermissionDenied):
        governance.open_divergence("Budget", by=user)


def test_divergence_positions_escalation_and_resolution(eu_officer, jp_officer):
    topic = TopicFactory()
    divergence = governance.open_divergence("Weight of Impact", by=eu_officer, linked=[topic])
    assert [link.target for link in divergence.links.all()] == [topic]
    governance.write_divergence_position(divergence, text="Impact weighs 1.5.", by=eu_officer)
    governance.write_divergence_position(divergence, text="Impact weighs 1.", by=jp_officer)
    governance.write_divergence_position(divergence, text="Impact weighs 1.25.", by=eu_officer)
    positions = {p.side.code: p.text for p in divergence.positions.all()}
    assert positions == {"EU": "Impact weighs 1.25.", "JP": "Impact weighs 1."}
    governance.escalate_divergence(
        divergence,
        escalated_on=D(2026, 3, 1),
        escalated_to="Deputy Director General, DG CNECT",
        by=jp_officer,
    )
    divergence.refresh_from_db()
    assert divergence.state == DivergenceState.ESCALATED
    governance.resolve_divergence(
        divergence, resolution="Weight 1.", resolved_on=D(2026, 3, 9), by=eu_officer
    )
    divergence.refresh_from_db()
    assert divergence.state == DivergenceState.RESOLVED
    with pytest.raises(PermissionDenied):
        governance.write_divergence_position(divergence, text="Too late.", by=eu_officer)


def test_a_resolved_divergence_cannot_be_escalated(eu_officer):
    divergence = governance.open_divergence("Timeline", by=eu_officer)
    governance.resolve_divergence(divergence, resolution="Agreed.", resolved_on=D(2026, 3, 9), by=eu_officer)
    with pytest.raises(PermissionDenied):
        governance.escalate_divergence(
            divergence, escalated_on=D(2026, 3, 10), escalated_to="DDG", by=eu_officer
        )


def test_a_divergence_cannot_link_a_user(eu_officer, jp_officer):
    with pytest.raises(ValidationError):
        governance.open_divergence("People", by=eu_officer, linked=[jp_officer])


def test_no_call_can_be_published_once_a_discontinuation_took_effect(eu_officer, jp_officer):
    from tests.calls.helpers import approved_draft

    call = approved_draft(eu_officer, jp_officer)
    given = dt.date.today() - dt.timedelta(days=91)
    governance.give_discontinuation_notice(given_on=given, text="We discontinue.", by=jp_officer)
    from calls import services as calls

    with pytest.raises(ValidationError):
        calls.publish_call(call, by=eu_officer)
    call.refresh_from_db()
    assert call.state == "draft"
