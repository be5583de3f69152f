"""Predicates of the calls app: ``can_<verb>(user, obj) -> bool``.

Officers act on topics, plans and calls by their role (a global rule, not a guardian grant); an expert
sees a topic only through the ``calls.view_topic`` object permission that ``request_opinion`` grants.
Role grants never count for experts' topic access: ``has_perm(perm, obj)`` asks guardian only."""

from loi_portal.services import approved_sides

from .enums import CallState


def _is_officer(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.side_id and user.is_officer)


def _side_has_approved(user, obj, version) -> bool:
    return user.side.code in approved_sides(obj, version)


# -- topics ------------------------------------------------------------------------------------------


def can_propose_topic(user, obj=None) -> bool:
    return _is_officer(user)


def can_edit_topic(user, topic) -> bool:
    return _is_officer(user)


def can_agree_topic(user, topic) -> bool:
    return _is_officer(user) and not topic.is_agreed and not _side_has_approved(user, topic, topic.revision)


def can_request_opinion(user, topic) -> bool:
    return _is_officer(user)


def can_view_opinions(user, topic) -> bool:
    """Officers of both Sides read every opinion on a topic; an expert reads only their own."""
    return _is_officer(user)


def can_view_topic_page(user, topic) -> bool:
    """Officers see every topic; an expert the topics they were asked about (guardian grant only)."""
    if _is_officer(user):
        return True
    return bool(user.is_authenticated and user.is_expert and user.has_perm("calls.view_topic", topic))


def can_give_opinion(user, opinion) -> bool:
    return bool(
        user.is_authenticated
        and opinion.expert_id == user.pk
        and user.is_expert
        and user.has_perm("calls.view_topic", opinion.topic)
    )


# -- Partnership Plans -------------------------------------------------------------------------------


def can_create_plan(user, obj=None) -> bool:
    return _is_officer(user)


def can_edit_plan(user, plan) -> bool:
    return _is_officer(user)


def can_view_plans(user, obj=None) -> bool:
    return _is_officer(user)


def can_approve_plan_version(user, version) -> bool:
    if not _is_officer(user) or version.in_force_since is not None:
        return False
    latest = version.plan.versions.order_by("-number").values_list("pk", flat=True).first()
    return latest == version.pk and not _side_has_approved(user, version, version.number)


# -- calls -------------------------------------------------------------------------------------------


def can_create_call(user, obj=None) -> bool:
    return _is_officer(user)


def can_view_drafts(user, obj=None) -> bool:
    return _is_officer(user)


def can_edit_call(user, call) -> bool:
    return _is_officer(user) and call.state == CallState.DRAFT


def can_remove_call_document(user, document) -> bool:
    return can_edit_call(user, document.call)


def can_approve_call_text(user, call) -> bool:
    return (
        _is_officer(user)
        and call.state == CallState.DRAFT
        and not _side_has_approved(user, call, call.text_revision)
    )


def can_transition_call(user, call) -> bool:
    """Who may ask for a transition at all; the guard of each target state says whether it may happen."""
    return _is_officer(user)


def can_request_deadline_change(user, call) -> bool:
    return _is_officer(user) and call.state in (CallState.PUBLISHED, CallState.OPEN)


def can_approve_deadline_change(user, change) -> bool:
    return (
        _is_officer(user)
        and change.applied_at is None
        and change.call.state in (CallState.PUBLISHED, CallState.OPEN)
        and not _side_has_approved(user, change, "1")
    )
