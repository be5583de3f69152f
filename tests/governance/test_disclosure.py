import datetime as dt

import pytest

from loi_portal import governance
from loi_portal.enums import Sensitivity
from loi_portal.governance_models import LetterOfIntent
from loi_portal.models import Side
from loi_portal.selectors import may_disclose
from tests.factories import OrganisationFactory, TopicFactory

pytestmark = pytest.mark.django_db

COUNCIL = "Digital Partnership Council"


def test_public_records_may_go_to_anybody():
    letter = LetterOfIntent.objects.get()
    assert all(may_disclose(letter, audience) for audience in ["public", "joint", "EU", "JP", COUNCIL])


def test_joint_records_go_to_both_sides_officers_but_no_third_party(eu_officer):
    divergence = governance.open_divergence("Budget", by=eu_officer)
    assert (
        may_disclose(divergence, "EU")
        and may_disclose(divergence, "JP")
        and may_disclose(divergence, "joint")
    )
    assert not may_disclose(divergence, COUNCIL)
    assert not may_disclose(divergence, "public")


def test_a_side_internal_record_reaches_the_other_side_only_with_a_recorded_permission(eu_officer):
    notice = governance.give_discontinuation_notice(
        given_on=dt.date(2026, 11, 1), text="Draft.", by=eu_officer, sensitivity=Sensitivity.SIDE
    )
    assert may_disclose(notice, "EU")
    assert not may_disclose(notice, "JP") and not may_disclose(notice, "joint")
    governance.record_disclosure_permission(
        notice,
        what="EU notice",
        provided_by=OrganisationFactory(side_code="EU"),
        audience="other_side",
        to_side=Side.objects.jp(),
        permitted_on=dt.date(2026, 11, 2),
        permission_text="The EU agrees to share its notice with Japan.",
        by=eu_officer,
    )
    assert may_disclose(notice, "JP") and may_disclose(notice, "joint")
    assert not may_disclose(notice, COUNCIL)


def test_a_restricted_record_reaches_a_third_party_only_with_its_named_permission(jp_officer):
    topic = TopicFactory()  # no sensitivity of its own: counted as restricted
    assert not any(may_disclose(topic, audience) for audience in ["EU", "JP", "joint", COUNCIL, "public"])
    governance.record_disclosure_permission(
        topic,
        what="Topic text",
        provided_by=OrganisationFactory(side_code="JP"),
        audience="third_party",
        third_party=COUNCIL,
        permitted_on=dt.date(2026, 11, 2),
        permission_text="Agreed for the Council report.",
        by=jp_officer,
    )
    assert may_disclose(topic, COUNCIL) and may_disclose(topic, COUNCIL.upper())
    assert not may_disclose(topic, "Joint Committee (JSTCC)")
    assert not may_disclose(topic, "public")


def test_a_permission_needs_a_text_or_a_document(jp_officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        governance.record_disclosure_permission(
            TopicFactory(),
            what="x",
            provided_by=OrganisationFactory(side_code="JP"),
            audience="third_party",
            third_party=COUNCIL,
            permitted_on=dt.date(2026, 11, 2),
            by=jp_officer,
        )
    assert "permission_text" in excinfo.value.message_dict
