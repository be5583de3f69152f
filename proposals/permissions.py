"""Predicates on proposals: ``can_<verb>(user, obj) -> bool``.

Seeing a proposal is decided by the selector (membership or a ``view_proposal`` grant); these
predicates add the state and the clock. A role held globally (officer, evaluator) never counts on
its own: only the object grants made by the services do."""

from __future__ import annotations

from calls.enums import CallState
from loi_portal import clock

from .enums import EDITABLE_STATES, MemberRole, ProposalState


def _membership(user, proposal):
    if not user or not user.is_authenticated:
        return None
    cached = getattr(proposal, "_prefetched_objects_cache", {}).get("members")
    if cached is not None:
        return next((m for m in cached if m.user_id == user.pk), None)
    return proposal.members.filter(user=user).first()


def is_member(user, proposal) -> bool:
    return _membership(user, proposal) is not None


def _call_open(proposal) -> bool:
    call = proposal.call
    return call.state == CallState.OPEN and clock.now() <= call.deadline


def can_start_proposal(user, call) -> bool:
    return bool(
        user.is_authenticated
        and user.side_id
        and user.is_researcher
        and call.state == CallState.OPEN
        and clock.now() <= call.deadline
    )


def can_view_proposal(user, proposal) -> bool:
    from .selectors import proposals_for_user

    return proposals_for_user(user).filter(pk=proposal.pk).exists()


def can_edit_proposal(user, proposal) -> bool:
    return is_member(user, proposal) and proposal.state in EDITABLE_STATES and _call_open(proposal)


def can_submit_proposal(user, proposal) -> bool:
    # The service decides the deadline on the database clock, and late exceptions.
    return is_member(user, proposal) and proposal.state in (*EDITABLE_STATES, ProposalState.NOT_SUBMITTED)


def can_withdraw_proposal(user, proposal) -> bool:
    return is_member(user, proposal) and proposal.state in EDITABLE_STATES and _call_open(proposal)


def can_delete_proposal(user, proposal) -> bool:
    member = _membership(user, proposal)
    return bool(
        member
        and member.role == MemberRole.COORDINATOR
        and proposal.state == ProposalState.DRAFT
        and not proposal.submitted_version
    )


def can_invite_co_applicant(user, proposal) -> bool:
    return can_edit_proposal(user, proposal)


def can_download_annex(user, annex) -> bool:
    return can_view_proposal(user, annex.proposal)


def can_edit_partner(user, partner) -> bool:
    return can_edit_proposal(user, partner.proposal)


def can_remove_annex(user, annex) -> bool:
    return can_edit_proposal(user, annex.proposal)


def can_list_call_proposals(user, call) -> bool:
    """Officers list a call's proposals once its deadline has passed."""
    return bool(user.is_authenticated and user.is_officer and clock.now() > call.deadline)


def can_manage_late_exception(user, proposal) -> bool:
    return bool(user.is_authenticated and user.is_officer and user.side_id)
