"""Topics: proposal, edits, dual agreement, expert opinions and who sees what."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from calls import services
from calls.enums import CallState, OpinionStance
from calls.selectors import opinions_for_user, topics_for_user
from loi_portal.services import approved_sides
from tests.factories import make_call, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(eu_officer):
    return services.propose_topic(
        by=eu_officer,
        title="Quantum sensing for tsunami early warning",
        description="Networks of quantum gravimeters.",
        challenge="seismic",
        dp_priority="Quantum technologies",
    )


@pytest.fixture
def eu_expert():
    return make_user("EU", "expert")


@pytest.fixture
def jp_expert():
    return make_user("JP", "expert")


@pytest.mark.parametrize("side_code", ["EU", "JP"])
def test_an_officer_of_either_side_proposes_a_topic_that_is_not_yet_agreed(side_code):
    officer = make_user(side_code, "officer")
    topic = services.propose_topic(by=officer, title="T", description="D", challenge="energy")
    assert topic.proposing_side.code == side_code
    assert topic.is_agreed is False
    assert topic.revision == 1


@pytest.mark.parametrize("role", ["researcher", "evaluator", "observer", "expert"])
def test_only_officers_propose_topics(role):
    with pytest.raises(ValidationError):
        services.propose_topic(by=make_user("JP", role), title="T", description="D", challenge="energy")


def test_topic_is_agreed_only_when_both_sides_agree(topic, eu_officer, jp_officer):
    services.agree_topic(topic, by=eu_officer)
    assert topic.is_agreed is False
    services.agree_topic(topic, by=jp_officer)
    topic.refresh_from_db()
    assert topic.is_agreed is True
    assert topic.agreed_at is not None


def test_a_side_cannot_agree_twice_to_the_same_revision(topic, eu_officer):
    services.agree_topic(topic, by=eu_officer)
    other_eu_officer = make_user("EU", "officer")
    with pytest.raises(ValidationError, match="already approved"):
        services.agree_topic(topic, by=other_eu_officer)
    topic.refresh_from_db()
    assert topic.is_agreed is False


def test_editing_an_agreed_topic_withdraws_both_agreements(topic, eu_officer, jp_officer):
    services.agree_topic(topic, by=eu_officer)
    services.agree_topic(topic, by=jp_officer)
    services.edit_topic(topic, by=jp_officer, description="Networks of quantum gravimeters and clocks.")
    topic.refresh_from_db()
    assert topic.revision == 2
    assert topic.is_agreed is False
    assert approved_sides(topic, topic.revision) == set()
    services.agree_topic(topic, by=eu_officer)
    topic.refresh_from_db()
    assert topic.is_agreed is False
    services.agree_topic(topic, by=jp_officer)
    topic.refresh_from_db()
    assert topic.is_agreed is True


def test_an_edit_that_changes_nothing_keeps_the_agreement(topic, eu_officer, jp_officer):
    services.agree_topic(topic, by=eu_officer)
    services.agree_topic(topic, by=jp_officer)
    services.edit_topic(topic, by=eu_officer, title=topic.title)
    topic.refresh_from_db()
    assert topic.is_agreed is True and topic.revision == 1


def test_a_topic_of_a_published_call_cannot_change(topic, eu_officer, jp_officer):
    services.agree_topic(topic, by=eu_officer)
    services.agree_topic(topic, by=jp_officer)
    make_call(state=CallState.PUBLISHED, topics=[topic])
    with pytest.raises(ValidationError, match="published call"):
        services.edit_topic(topic, by=eu_officer, title="Something else")


def test_asked_expert_sees_only_that_topic_and_answers(topic, eu_officer, jp_expert):
    other = services.propose_topic(by=eu_officer, title="Other", description="D", challenge="energy")
    opinion = services.request_opinion(topic, expert=jp_expert, by=eu_officer)
    assert jp_expert.has_perm("calls.view_topic", topic)
    assert list(topics_for_user(jp_expert)) == [topic]
    assert other not in topics_for_user(jp_expert)
    services.record_opinion(opinion, by=jp_expert, stance=OpinionStance.RESERVATIONS, text="Needs sites.")
    opinion.refresh_from_db()
    assert opinion.stance == OpinionStance.RESERVATIONS
    assert opinion.answered_at is not None


def test_an_expert_cannot_answer_for_another_expert(topic, eu_officer, eu_expert, jp_expert):
    opinion = services.request_opinion(topic, expert=jp_expert, by=eu_officer)
    services.request_opinion(topic, expert=eu_expert, by=eu_officer)
    with pytest.raises(ValidationError):
        services.record_opinion(opinion, by=eu_expert, stance=OpinionStance.SUPPORT, text="Fine.")


def test_an_opinion_needs_a_stance_and_a_text(topic, eu_officer, eu_expert):
    opinion = services.request_opinion(topic, expert=eu_expert, by=eu_officer)
    with pytest.raises(ValidationError) as exc:
        services.record_opinion(opinion, by=eu_expert, stance=OpinionStance.PENDING, text=" ")
    assert set(exc.value.message_dict) == {"stance", "text"}


def test_only_experts_can_be_asked_once(topic, eu_officer, eu_researcher, eu_expert):
    with pytest.raises(ValidationError, match="not an expert"):
        services.request_opinion(topic, expert=eu_researcher, by=eu_officer)
    services.request_opinion(topic, expert=eu_expert, by=eu_officer)
    with pytest.raises(ValidationError, match="already been asked"):
        services.request_opinion(topic, expert=eu_expert, by=eu_officer)


def test_officers_of_both_sides_see_every_opinion_experts_only_theirs(
    topic, eu_officer, jp_officer, eu_expert, jp_expert
):
    services.request_opinion(topic, expert=eu_expert, by=eu_officer)
    services.request_opinion(topic, expert=jp_expert, by=jp_officer)
    assert opinions_for_user(jp_officer, topic=topic).count() == 2
    assert opinions_for_user(eu_officer, topic=topic).count() == 2
    assert [o.expert for o in opinions_for_user(eu_expert, topic=topic)] == [eu_expert]


@pytest.mark.parametrize("role", ["researcher", "evaluator", "observer"])
@pytest.mark.parametrize("side_code", ["EU", "JP"])
def test_other_roles_see_no_topic_that_is_not_on_a_public_call(topic, role, side_code, client_for):
    user = make_user(side_code, role)
    assert not topics_for_user(user).exists()
    response = client_for(user).get(reverse("calls:topic_detail", args=[topic.pk]))
    assert response.status_code == 404


def test_an_expert_not_asked_gets_404_from_the_other_side(topic, jp_officer, eu_expert, client_for):
    response = client_for(eu_expert).get(reverse("calls:topic_detail", args=[topic.pk]))
    assert response.status_code == 404


def test_researchers_see_agreed_topics_of_published_calls(eu_researcher):
    call = make_call(state=CallState.OPEN)
    shown = call.topics.get()
    assert list(topics_for_user(eu_researcher)) == [shown]
    draft = make_call(state=CallState.DRAFT)
    assert draft.topics.get() not in topics_for_user(eu_researcher)
