"""Predicates of the evaluation: ``can_<verb>(user, obj) -> bool``.

Role grants count only on the user's own Side (``is_officer_of``); the evaluator's object grant on the
proposal comes from ``services.assign_evaluator`` and is checked here through the assignment itself."""

from loi_portal.permissions import is_officer_of
from proposals.models import ConsortiumMember

from .enums import AssignmentState, ConsensusState, ReviewRequestState, ReviewState


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.side_id)


def is_any_officer(user) -> bool:
    return _signed_in(user) and user.is_officer


def can_manage_evaluation(user, call_evaluation) -> bool:
    """Officers of the Side run its evaluation of the call (eligibility, assignments, consensus)."""
    return is_officer_of(user, call_evaluation.side_id)


def can_assign(user, evaluation) -> bool:
    return (
        is_officer_of(user, evaluation.side_id)
        and evaluation.eligible
        and evaluation.call_evaluation.released_at is None
    )


def can_decide_eligibility(user, evaluation) -> bool:
    """The Side's officers, until the Side released its consensus for the call."""
    return is_officer_of(user, evaluation.side_id) and evaluation.call_evaluation.released_at is None


def can_name_rapporteur(user, evaluation) -> bool:
    return is_officer_of(user, evaluation.side_id) and evaluation.call_evaluation.released_at is None


def can_remove_assignment(user, assignment) -> bool:
    return is_officer_of(user, assignment.side_id) and assignment.state in (
        AssignmentState.PENDING,
        AssignmentState.ACTIVE,
    )


def can_declare(user, assignment) -> bool:
    """The evaluator declares (no conflict, or a conflict) on their own open assignment."""
    return bool(
        _signed_in(user)
        and assignment.evaluator_id == user.pk
        and assignment.state in (AssignmentState.PENDING, AssignmentState.ACTIVE)
    )


def can_declare_no_conflict(user, assignment) -> bool:
    return can_declare(user, assignment) and assignment.state == AssignmentState.PENDING


def can_read_proposal(user, assignment) -> bool:
    """Beyond the title and the consortium: only after declaring no conflict."""
    return bool(
        _signed_in(user) and assignment.evaluator_id == user.pk and assignment.state == AssignmentState.ACTIVE
    )


def can_score(user, assignment) -> bool:
    return can_read_proposal(user, assignment) and assignment.evaluation.call_evaluation.released_at is None


def can_edit_review(user, review) -> bool:
    return can_score(user, review.assignment) and review.state == ReviewState.DRAFT


def can_submit_review(user, review) -> bool:
    return can_edit_review(user, review)


def can_set_co_review_visibility(user, evaluation) -> bool:
    return is_officer_of(user, evaluation.side_id)


def can_write_consensus(user, evaluation) -> bool:
    """An officer of the Side, or the rapporteur they named (who must still be on the proposal)."""
    if evaluation.call_evaluation.released_at is not None or not _signed_in(user):
        return False
    if is_officer_of(user, evaluation.side_id):
        return True
    return bool(
        evaluation.rapporteur_id == user.pk
        and user.side_id == evaluation.side_id
        and evaluation.assignments.filter(evaluator=user, state=AssignmentState.ACTIVE).exists()
    )


def can_finalise_consensus(user, consensus) -> bool:
    return consensus.state == ConsensusState.DRAFT and can_write_consensus(user, consensus.evaluation)


def can_reopen_consensus(user, consensus) -> bool:
    return (
        consensus.state == ConsensusState.FINAL
        and is_officer_of(user, consensus.evaluation.side_id)
        and consensus.evaluation.call_evaluation.released_at is None
    )


def can_view_ranking(user, call_evaluation) -> bool:
    """The Side's own officers always; the other Side's officers once it is released."""
    if is_officer_of(user, call_evaluation.side_id):
        return True
    return bool(is_any_officer(user) and call_evaluation.released_at is not None)


def can_release(user, call_evaluation) -> bool:
    return is_officer_of(user, call_evaluation.side_id) and call_evaluation.released_at is None


def can_record_selection(user, selection) -> bool:
    return is_any_officer(user)


def can_approve_selection(user, selection) -> bool:
    return is_any_officer(user)


def can_record_funding(user, partner) -> bool:
    return is_officer_of(user, partner.side_id)


def is_member(user, proposal) -> bool:
    return bool(_signed_in(user) and ConsortiumMember.objects.filter(proposal=proposal, user=user).exists())


def can_request_review(user, proposal) -> bool:
    from .selectors import summary_available

    return is_member(user, proposal) and summary_available(proposal)


def can_answer_review_request(user, request) -> bool:
    return is_officer_of(user, request.side_id) and request.state == ReviewRequestState.OPEN
