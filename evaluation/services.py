"""Writes and transitions of the evaluation: eligibility, assignments, conflicts, reviews,
consensus, release, joint selection and funding decisions.

Each state field has one writer here: ``_set_assignment_state`` (Assignment.state),
``submit_review`` (Review.state), ``finalise_consensus``/``reopen_consensus`` (Consensus.state),
``release_consensus`` (CallEvaluation.released_at), ``_take_effect`` (SelectionList.effective_*),
``answer_review_request`` (ReviewRequest.state). Proposal states change only through
``proposals.services.transition_proposal`` (or its bulk form ``_transition_many`` when a call's
evaluation starts)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Max, Q, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.enums import ALLOWED_TRANSITIONS, CallState
from calls.models import CallBudget, PlanSideTerms
from calls.services import transition_call
from loi_portal import clock, governance
from loi_portal.enums import Role
from loi_portal.models import Side, User, content_hash
from loi_portal.notifications import notify
from loi_portal.permissions import is_officer_of
from loi_portal.services import approve, approved_sides, audit, grant, revoke, side_role_group
from proposals.enums import ProposalState
from proposals.models import Partner, Proposal
from proposals.services import EditConflict, _transition_many, transition_proposal

from .enums import (
    DEFAULT_CONFLICT_TYPES,
    OPEN_ASSIGNMENT_STATES,
    REVIEW_REQUEST_DAYS,
    AssignmentState,
    ConsensusState,
    ReviewRequestState,
    ReviewState,
    SelectionOutcome,
)
from .models import (
    Assignment,
    CallEvaluation,
    Consensus,
    ConsensusScore,
    FundingDecision,
    ProposalEvaluation,
    Review,
    ReviewRequest,
    ReviewScore,
    SelectionEntry,
    SelectionList,
)

logger = logging.getLogger(__name__)

VIEW_PROPOSAL = "proposals.view_proposal"


# -- criteria and scales -----------------------------------------------------------------------------


def terms_for(call, side) -> PlanSideTerms:
    """The Side's evaluation terms of the call's plan version, with its criteria in tie-break order."""
    side_id = getattr(side, "pk", side)
    return (
        PlanSideTerms.objects.select_related("side")
        .prefetch_related("criteria")
        .get(version_id=call.plan_version_id, side_id=side_id)
    )


def conflict_types_for(terms: PlanSideTerms) -> list[tuple[str, str]]:
    """The Side's list of conflict types: the plan's own list, else the Side's default list.

    The plan may give codes, ``[code, label]`` pairs or ``{"code", "label"}`` objects."""
    raw = terms.conflict_types or []
    types = []
    for item in raw:
        if isinstance(item, dict):
            types.append((str(item.get("code")), str(item.get("label") or item.get("code"))))
        elif isinstance(item, list | tuple) and len(item) >= 2:
            types.append((str(item[0]), str(item[1])))
        else:
            types.append((str(item), str(item)))
    return types or [(code, str(label)) for code, label in DEFAULT_CONFLICT_TYPES[terms.side.code]]


def check_score(terms: PlanSideTerms, value, *, field: str) -> Decimal | None:
    """The score as a Decimal, or a ValidationError naming ``field`` when it is off the scale or step."""
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not score.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    if score < terms.scale_min or score > terms.scale_max:
        raise ValidationError(
            {
                field: _("The score must be between %(min)s and %(max)s.")
                % {"min": terms.scale_min.normalize(), "max": terms.scale_max.normalize()}
            }
        )
    if (score - terms.scale_min) % terms.scale_step != 0:
        raise ValidationError(
            {field: _("The score must be in steps of %(step)s.") % {"step": terms.scale_step.normalize()}}
        )
    return score


def compute_result(terms: PlanSideTerms, scores: dict[int, Decimal | None]) -> dict:
    """Threshold results and totals from scores by criterion id: per-criterion pass, unweighted total
    (compared with the overall threshold), weighted total (for ranking only). ``None`` while a score
    is missing."""
    criteria = list(terms.criteria.all())
    passes = {
        c.pk: (scores.get(c.pk) >= c.threshold) if scores.get(c.pk) is not None else None for c in criteria
    }
    if any(scores.get(c.pk) is None for c in criteria):
        return {"passes": passes, "total": None, "weighted_total": None, "passes_thresholds": None}
    total = sum((scores[c.pk] for c in criteria), Decimal("0"))
    weighted = sum((scores[c.pk] * c.weight for c in criteria), Decimal("0"))
    return {
        "passes": passes,
        "total": total,
        "weighted_total": weighted,
        "passes_thresholds": all(passes.values()) and total >= terms.overall_threshold,
    }


# -- start and eligibility ---------------------------------------------------------------------------


def _require_officer(user, side_id) -> None:
    if not is_officer_of(user, side_id):
        raise ValidationError(_("Only a programme officer of this Side can do this."))


def _require_not_released(call_evaluation: CallEvaluation) -> None:
    if call_evaluation.released_at is not None:
        raise ValidationError(
            _("This Side has released its consensus for the call; the evaluation is closed.")
        )


@transaction.atomic
def on_evaluation_started(call, *, by=None) -> None:
    """Called by the call's transition to UNDER_EVALUATION, in its transaction: every submitted
    proposal enters evaluation on both Sides at once (one CallEvaluation per Side and one
    ProposalEvaluation per proposal and Side). Safe to run twice."""
    sides = list(Side.objects.all())
    call_evaluations = {s.pk: CallEvaluation.objects.get_or_create(call=call, side=s)[0] for s in sides}
    proposals = Proposal.objects.filter(
        call=call, state__in=[ProposalState.SUBMITTED, ProposalState.UNDER_EVALUATION]
    ).order_by("number")
    # In bulk (a call may close with tens of thousands of proposals): one UPDATE with an audit line
    # per proposal, and the missing evaluations inserted at once (existing ones are left alone).
    _transition_many(
        proposals.filter(state=ProposalState.SUBMITTED),
        ProposalState.UNDER_EVALUATION,
        by=by,
        reason="evaluation started",
    )
    ids = list(proposals.values_list("pk", flat=True))
    ProposalEvaluation.objects.bulk_create(
        [
            ProposalEvaluation(proposal_id=pk, side=s, call_evaluation=call_evaluations[s.pk])
            for pk in ids
            for s in sides
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    audit("evaluation.started", by=by, obj=call, proposals=len(ids))


@transaction.atomic
def enter_evaluation(proposal, *, by=None) -> list[ProposalEvaluation]:
    """One proposal joins its call's running evaluation on both Sides, as ``on_evaluation_started``
    does for every proposal at the close: a late submission (an exception both Sides approved)
    accepted after the call closed. SUBMITTED → UNDER_EVALUATION and one ProposalEvaluation per
    Side. Refused (ValidationError) unless the call is under evaluation and no Side has released its
    consensus (a released Side's evaluation is closed). Safe to run twice."""
    call = proposal.call
    if call.state != CallState.UNDER_EVALUATION:
        raise ValidationError(_("This call is not under evaluation."))
    sides = list(Side.objects.all())
    for s in sides:
        CallEvaluation.objects.get_or_create(call=call, side=s)
    # Locked: a Side releasing its consensus at this moment either waits for this proposal (and then
    # needs its consensus) or has released first (and this is refused).
    call_evaluations = {
        ce.side_id: ce
        for ce in CallEvaluation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("side")
        .filter(call=call)
    }
    released = sorted(ce.side.code for ce in call_evaluations.values() if ce.released_at is not None)
    if released:
        raise ValidationError(
            _("The %(sides)s Side has already released its consensus: no proposal can enter its evaluation.")
            % {"sides": ", ".join(released)}
        )
    if proposal.state == ProposalState.SUBMITTED:
        transition_proposal(proposal, ProposalState.UNDER_EVALUATION, by=by, reason="late submission")
    evaluations = [
        ProposalEvaluation.objects.get_or_create(
            proposal=proposal, side=s, defaults={"call_evaluation": call_evaluations[s.pk]}
        )[0]
        for s in sides
    ]
    audit("evaluation.proposal_entered", by=by, obj=proposal, sides=[s.code for s in sides])
    return evaluations


@transaction.atomic
def declare_ineligible(evaluation: ProposalEvaluation, *, by, reason: str) -> ProposalEvaluation:
    """The Side's officer declares the proposal ineligible for this Side: its open assignments end
    (access revoked) and the Side no longer assigns or ranks it."""
    _require_officer(by, evaluation.side_id)
    _require_not_released(evaluation.call_evaluation)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason why the proposal is ineligible.")})
    evaluation.eligible = False
    evaluation.ineligibility_reason = reason.strip()
    evaluation.eligibility_decided_by = by
    evaluation.eligibility_decided_at = timezone.now()
    evaluation.save()
    for assignment in evaluation.assignments.filter(state__in=OPEN_ASSIGNMENT_STATES):
        _set_assignment_state(assignment, AssignmentState.REMOVED, by=by)
    audit("evaluation.ineligible", by=by, obj=evaluation, sides=[evaluation.side.code], reason=reason)
    return evaluation


@transaction.atomic
def declare_eligible(evaluation: ProposalEvaluation, *, by) -> ProposalEvaluation:
    _require_officer(by, evaluation.side_id)
    _require_not_released(evaluation.call_evaluation)
    evaluation.eligible = True
    evaluation.ineligibility_reason = ""
    evaluation.eligibility_decided_by = by
    evaluation.eligibility_decided_at = timezone.now()
    evaluation.save()
    audit("evaluation.eligible", by=by, obj=evaluation, sides=[evaluation.side.code])
    return evaluation


@transaction.atomic
def set_evaluators_per_proposal(call_evaluation: CallEvaluation, number: int, *, by) -> CallEvaluation:
    _require_officer(by, call_evaluation.side_id)
    if number < 1:
        raise ValidationError({"evaluators_per_proposal": _("At least one evaluator per proposal.")})
    call_evaluation.evaluators_per_proposal = number
    call_evaluation.save(update_fields=["evaluators_per_proposal"])
    audit("evaluation.settings", by=by, obj=call_evaluation, sides=[call_evaluation.side.code], number=number)
    return call_evaluation


# -- assignments and conflicts -----------------------------------------------------------------------


def likely_conflicts(evaluator: User, proposal: Proposal, partners=None) -> list[str]:
    """What the portal itself can see: the evaluator's organisation or e-mail domain among the partners."""
    partners = list(partners if partners is not None else proposal.partners.select_related("organisation"))
    warnings = []
    domain = evaluator.email.rsplit("@", 1)[-1].lower() if evaluator.email else ""
    for partner in partners:
        if evaluator.organisation_id and partner.organisation_id == evaluator.organisation_id:
            warnings.append(_("Your organisation %(org)s is a partner.") % {"org": partner.organisation.name})
        elif domain and (
            domain == (partner.organisation.email_domain or "").lower()
            or domain == partner.pi_email.rsplit("@", 1)[-1].lower()
        ):
            warnings.append(
                _("Your e-mail domain %(domain)s is that of the partner %(org)s.")
                % {"domain": domain, "org": partner.organisation.name}
            )
    return warnings


def evaluators_of_side(side) -> list[User]:
    group = side_role_group(side, Role.EVALUATOR)
    return list(
        User.objects.filter(groups=group, is_active=True).select_related("organisation").order_by("pk")
    )


def suggest_evaluators(evaluation: ProposalEvaluation, *, count: int | None = None) -> list[User]:
    """Evaluators of the Side for this proposal, least loaded first (open assignments in the call),
    leaving out those already assigned, those who declared a conflict on it and those the portal
    sees as likely conflicted. ``count`` defaults to the places still open."""
    from django.db.models import Count, Q

    call_evaluation = evaluation.call_evaluation
    if count is None:
        taken = evaluation.assignments.filter(state__in=OPEN_ASSIGNMENT_STATES).count()
        count = max(call_evaluation.evaluators_per_proposal - taken, 0)
    excluded = set(evaluation.assignments.values_list("evaluator_id", flat=True))
    partners = list(evaluation.proposal.partners.select_related("organisation"))
    group = side_role_group(evaluation.side, Role.EVALUATOR)
    candidates = (
        User.objects.filter(groups=group, side_id=evaluation.side_id, is_active=True)
        .exclude(pk__in=excluded)
        .select_related("organisation")
        .annotate(
            load=Count(
                "assignments",
                filter=Q(
                    assignments__state__in=OPEN_ASSIGNMENT_STATES,
                    assignments__evaluation__call_evaluation=call_evaluation,
                ),
            )
        )
        .order_by("load", "last_name", "pk")
    )
    return [u for u in candidates if not likely_conflicts(u, evaluation.proposal, partners)][:count]


def _set_assignment_state(assignment: Assignment, to: str, *, by, conflict_type: str = "", note: str = ""):
    """The only writer of ``Assignment.state``. Leaving the active state revokes the evaluator's access
    (unless another active assignment of theirs on the same proposal still needs it)."""
    previous = assignment.state
    assignment.state = to
    if to in (AssignmentState.ACTIVE, AssignmentState.CONFLICT):
        assignment.declared_at = timezone.now()
    if to == AssignmentState.CONFLICT:
        assignment.conflict_type = conflict_type
        assignment.conflict_note = note
    assignment.save()
    if previous == AssignmentState.ACTIVE and to not in OPEN_ASSIGNMENT_STATES:
        still_assigned = (
            Assignment.objects.filter(
                evaluator_id=assignment.evaluator_id,
                evaluation__proposal_id=assignment.evaluation.proposal_id,
                state=AssignmentState.ACTIVE,
            )
            .exclude(pk=assignment.pk)
            .exists()
        )
        if not still_assigned:
            revoke(VIEW_PROPOSAL, assignment.evaluator, assignment.evaluation.proposal, by=by)
    audit(
        "evaluation.assignment",
        by=by,
        obj=assignment,
        sides=[assignment.side.code],
        old=previous,
        new=to,
        conflict_type=conflict_type,
    )
    return assignment


@transaction.atomic
def assign_evaluator(evaluation: ProposalEvaluation, evaluator: User, *, by) -> Assignment:
    """An officer of the Side assigns an evaluator of the same Side and tells them. Until they
    declare no conflict of interest, they see only the title and the consortium (on the assignment
    page); ``view_proposal`` is granted by ``declare_no_conflict``, so that no page of the portal
    shows them more before that."""
    evaluation = (
        ProposalEvaluation.objects.select_for_update()
        .select_related("call_evaluation", "side")
        .get(pk=evaluation.pk)
    )
    _require_officer(by, evaluation.side_id)
    _require_not_released(evaluation.call_evaluation)
    if not evaluation.eligible:
        raise ValidationError(_("An ineligible proposal is not assigned."))
    if evaluator.side_id != evaluation.side_id or not evaluator.is_evaluator:
        raise ValidationError({"evaluator": _("Choose an evaluator of your own Side.")})
    previous = evaluation.assignments.filter(evaluator=evaluator)
    if previous.filter(state__in=OPEN_ASSIGNMENT_STATES).exists():
        raise ValidationError({"evaluator": _("This evaluator is already assigned to the proposal.")})
    if previous.filter(state=AssignmentState.CONFLICT).exists():
        raise ValidationError(
            {"evaluator": _("This evaluator declared a conflict of interest on the proposal.")}
        )
    assignment = Assignment.objects.create(
        evaluation=evaluation, evaluator=evaluator, side_id=evaluation.side_id, assigned_by=by
    )
    audit("evaluation.assign", by=by, obj=assignment, sides=[evaluation.side.code])
    notify(
        [evaluator],
        "evaluation_assigned",
        {"assignment": assignment, "proposal": evaluation.proposal},
        event="evaluation.assigned",
        dedupe_key=f"assignment-{assignment.pk}",
    )
    return assignment


@transaction.atomic
def remove_assignment(assignment: Assignment, *, by) -> Assignment:
    _require_officer(by, assignment.side_id)
    _require_not_released(assignment.evaluation.call_evaluation)
    if assignment.state not in OPEN_ASSIGNMENT_STATES:
        raise ValidationError(_("This assignment has already ended."))
    return _set_assignment_state(assignment, AssignmentState.REMOVED, by=by)


@transaction.atomic
def end_assignments_of(evaluator: User, *, by) -> int:
    """Ends every open assignment of ``evaluator`` (their evaluator role ended): each is removed, which
    revokes the access it gave, and the officers of the Side are told to reassign the proposal.
    Returns how many assignments ended."""
    assignments = list(
        Assignment.objects.select_for_update()
        .filter(evaluator=evaluator, state__in=OPEN_ASSIGNMENT_STATES)
        .select_related("evaluation__proposal", "side")
        .order_by("pk")
    )
    for assignment in assignments:
        _set_assignment_state(assignment, AssignmentState.REMOVED, by=by)
        officers = User.objects.filter(groups=side_role_group(assignment.side, Role.OFFICER), is_active=True)
        notify(
            officers,
            "evaluation_assignment_ended",
            {"assignment": assignment, "proposal": assignment.evaluation.proposal},
            event="evaluation.assignment_ended",
            dedupe_key=f"assignment-ended-{assignment.pk}",
        )
    return len(assignments)


@transaction.atomic
def declare_no_conflict(assignment: Assignment, *, by) -> Assignment:
    """The evaluator declares no conflict of interest: the proposal opens to them (``view_proposal``
    granted) for reading and scoring."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if by.pk != assignment.evaluator_id:
        raise ValidationError(_("Only the assigned evaluator can declare."))
    if assignment.state != AssignmentState.PENDING:
        raise ValidationError(_("You have already declared for this assignment."))
    assignment = _set_assignment_state(assignment, AssignmentState.ACTIVE, by=by)
    grant(VIEW_PROPOSAL, assignment.evaluator, assignment.evaluation.proposal, by=by)
    return assignment


@transaction.atomic
def declare_conflict(assignment: Assignment, *, by, conflict_type: str, note: str = "") -> Assignment:
    """The evaluator declares a conflict of interest of one of the Side's types: the assignment ends,
    all access to the proposal is revoked, any review is set aside, and the Side's officers are told
    so that they reassign."""
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("evaluation__proposal", "side")
        .get(pk=assignment.pk)
    )
    if by.pk != assignment.evaluator_id:
        raise ValidationError(_("Only the assigned evaluator can declare."))
    if assignment.state not in OPEN_ASSIGNMENT_STATES:
        raise ValidationError(_("This assignment has already ended."))
    proposal = assignment.evaluation.proposal
    types = dict(conflict_types_for(terms_for(proposal.call, assignment.side_id)))
    if conflict_type not in types:
        raise ValidationError({"conflict_type": _("Choose one of the types of conflict of your Side.")})
    if conflict_type == "other" and not note.strip():
        raise ValidationError({"note": _("Explain the conflict.")})
    _set_assignment_state(assignment, AssignmentState.CONFLICT, by=by, conflict_type=conflict_type, note=note)
    officers = User.objects.filter(groups=side_role_group(assignment.side, Role.OFFICER), is_active=True)
    notify(
        officers,
        "evaluation_conflict",
        {"assignment": assignment, "proposal": proposal, "conflict_label": types[conflict_type]},
        event="evaluation.conflict",
        dedupe_key=f"conflict-{assignment.pk}",
    )
    return assignment


# -- reviews -----------------------------------------------------------------------------------------


@transaction.atomic
def save_review(
    assignment: Assignment,
    *,
    by,
    scores: dict[str, dict] | None = None,
    overall_comment: str | None = None,
    confidence: str | None = None,
) -> Review:
    """Save the evaluator's draft. ``scores`` maps criterion codes to ``{"score", "comment"}``;
    an out-of-range or off-step score is refused with a message naming the criterion."""
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("evaluation__proposal__call")
        .get(pk=assignment.pk)
    )
    if by.pk != assignment.evaluator_id:
        raise ValidationError(_("Only the assigned evaluator can write this review."))
    if assignment.state != AssignmentState.ACTIVE:
        raise ValidationError(_("Declare that you have no conflict of interest before you score."))
    _require_not_released(assignment.evaluation.call_evaluation)
    review, _created = Review.objects.get_or_create(assignment=assignment)
    if review.state == ReviewState.SUBMITTED:
        raise ValidationError(_("This review has been submitted and can no longer change."))
    terms = terms_for(assignment.evaluation.proposal.call, assignment.side_id)
    criteria = {c.code: c for c in terms.criteria.all()}
    errors = {}
    cleaned = {}
    for code, entry in (scores or {}).items():
        if code not in criteria:
            errors[f"score_{code}"] = [_("Unknown criterion.")]
            continue
        try:
            cleaned[code] = (
                check_score(terms, entry.get("score"), field=f"score_{code}"),
                entry.get("comment"),
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if confidence not in (None, "") and confidence not in dict(Review._meta.get_field("confidence").choices):
        errors["confidence"] = [_("Choose a level of confidence.")]
    if errors:
        raise ValidationError(errors)
    for code, (score, comment) in cleaned.items():
        row, _c = ReviewScore.objects.get_or_create(review=review, criterion=criteria[code])
        row.score = score
        if comment is not None:
            row.comment = comment
        row.save()
    if overall_comment is not None:
        review.overall_comment = overall_comment
    if confidence is not None:
        review.confidence = confidence
    review.save()
    return review


@transaction.atomic
def submit_review(review: Review, *, by) -> Review:
    """Submit: every criterion needs a score and the confidence is given. A submitted review is final."""
    review = (
        Review.objects.select_for_update()
        .select_related("assignment__evaluation__proposal__call")
        .get(pk=review.pk)
    )
    assignment = review.assignment
    if by.pk != assignment.evaluator_id:
        raise ValidationError(_("Only the assigned evaluator can submit this review."))
    if assignment.state != AssignmentState.ACTIVE:
        raise ValidationError(_("This assignment is no longer active."))
    if review.state == ReviewState.SUBMITTED:
        raise ValidationError(_("This review has already been submitted."))
    terms = terms_for(assignment.evaluation.proposal.call, assignment.side_id)
    scored = {s.criterion_id for s in review.scores.all() if s.score is not None}
    errors = {
        f"score_{c.code}": [_("Give a score for “%(criterion)s”.") % {"criterion": c.name}]
        for c in terms.criteria.all()
        if c.pk not in scored
    }
    if not review.confidence:
        errors["confidence"] = [_("Say how confident you are.")]
    if errors:
        raise ValidationError(errors)
    review.state = ReviewState.SUBMITTED
    review.submitted_at = timezone.now()
    review.save(update_fields=["state", "submitted_at", "updated_at"])
    audit("evaluation.review.submit", by=by, obj=review, sides=[assignment.side.code])
    return review


@transaction.atomic
def set_reviewers_see_each_other(evaluation: ProposalEvaluation, visible: bool, *, by) -> ProposalEvaluation:
    _require_officer(by, evaluation.side_id)
    evaluation.reviewers_see_each_other = visible
    evaluation.save(update_fields=["reviewers_see_each_other"])
    audit(
        "evaluation.co_review_visibility",
        by=by,
        obj=evaluation,
        sides=[evaluation.side.code],
        visible=visible,
    )
    return evaluation


# -- consensus ---------------------------------------------------------------------------------------


def rapporteur_refused() -> ValidationError:
    """The one answer for anyone who cannot be the rapporteur, whether the user exists or not."""
    return ValidationError(
        {"rapporteur": _("The rapporteur is an officer of the Side or an evaluator of this proposal.")}
    )


@transaction.atomic
def name_rapporteur(evaluation: ProposalEvaluation, rapporteur: User | None, *, by) -> ProposalEvaluation:
    """An officer names the rapporteur: an officer of the Side or an evaluator active on the proposal."""
    _require_officer(by, evaluation.side_id)
    _require_not_released(evaluation.call_evaluation)
    if rapporteur is not None and not (
        is_officer_of(rapporteur, evaluation.side_id)
        or evaluation.assignments.filter(evaluator=rapporteur, state=AssignmentState.ACTIVE).exists()
    ):
        raise rapporteur_refused()
    evaluation.rapporteur = rapporteur
    evaluation.save(update_fields=["rapporteur"])
    audit("evaluation.rapporteur", by=by, obj=evaluation, sides=[evaluation.side.code])
    return evaluation


def _require_consensus_writer(evaluation: ProposalEvaluation, user) -> None:
    from .permissions import can_write_consensus

    if not can_write_consensus(user, evaluation):
        raise ValidationError(
            _("Only an officer of the Side or the named rapporteur can write the consensus.")
        )


def _apply_result(consensus: Consensus, terms: PlanSideTerms) -> None:
    rows = list(consensus.scores.all())
    result = compute_result(terms, {r.criterion_id: r.score for r in rows})
    for row in rows:
        row.passes = result["passes"].get(row.criterion_id)
        row.save(update_fields=["passes"])
    consensus.total = result["total"]
    consensus.weighted_total = result["weighted_total"]
    consensus.passes_thresholds = result["passes_thresholds"]


def consensus_conflict(consensus: Consensus) -> EditConflict:
    """The conflict raised by a stale save, naming who saved the consensus and when."""
    if consensus.pk is None:  # deleted meanwhile: nothing to name
        return EditConflict(current_version=0)
    return EditConflict(
        _(
            "%(name)s saved this consensus at %(time)s while you were editing; your changes were not "
            "saved. Compare them with the saved version, then save again to replace it."
        )
        % {
            "name": consensus.updated_by.get_full_name() or consensus.updated_by.get_username(),
            "time": timezone.localtime(consensus.updated_at).strftime("%Y-%m-%d %H:%M"),
        },
        current_version=consensus.lock_version,
    )


@transaction.atomic
def save_consensus(
    evaluation: ProposalEvaluation,
    *,
    by,
    scores: dict[str, dict] | None = None,
    overall_comment: str | None = None,
    majority_view: str | None = None,
    minority_view: str | None = None,
    lock_version: int | None = None,
) -> Consensus:
    """Record the consensus scores and comments; threshold results and totals are computed.

    ``lock_version`` is the consensus version the writer started from (0 when there was no
    consensus yet): when another officer or the rapporteur saved meanwhile, ``EditConflict`` is
    raised and nothing is written. ``None`` skips the check (scripts and the demo). The evaluation
    row is locked, so two saves of the same version cannot both pass."""
    evaluation = (
        ProposalEvaluation.objects.select_for_update()
        .select_related("call_evaluation", "proposal__call")
        .get(pk=evaluation.pk)
    )
    _require_consensus_writer(evaluation, by)
    _require_not_released(evaluation.call_evaluation)
    if not evaluation.eligible:
        raise ValidationError(_("An ineligible proposal has no consensus."))
    consensus = Consensus.objects.filter(evaluation=evaluation).first() or Consensus(
        evaluation=evaluation, updated_by=by
    )
    if lock_version is not None and lock_version != consensus.lock_version:
        raise consensus_conflict(consensus)
    if consensus.state == ConsensusState.FINAL:
        raise ValidationError(_("The consensus is final; reopen it to change it."))
    terms = terms_for(evaluation.proposal.call, evaluation.side_id)
    criteria = {c.code: c for c in terms.criteria.all()}
    errors = {}
    cleaned = {}
    for code, entry in (scores or {}).items():
        if code not in criteria:
            errors[f"score_{code}"] = [_("Unknown criterion.")]
            continue
        try:
            cleaned[code] = (
                check_score(terms, entry.get("score"), field=f"score_{code}"),
                entry.get("comment"),
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    for attr, value in (
        ("overall_comment", overall_comment),
        ("majority_view", majority_view),
        ("minority_view", minority_view),
    ):
        if value is not None:
            setattr(consensus, attr, value)
    consensus.updated_by = by
    consensus.lock_version += 1
    consensus.save()
    for code, (score, comment) in cleaned.items():
        row, _c = ConsensusScore.objects.get_or_create(consensus=consensus, criterion=criteria[code])
        row.score = score
        if comment is not None:
            row.comment = comment
        row.save()
    _apply_result(consensus, terms)
    consensus.save()
    audit("evaluation.consensus.save", by=by, obj=consensus, sides=[evaluation.side.code])
    return consensus


@transaction.atomic
def finalise_consensus(consensus: Consensus, *, by) -> Consensus:
    consensus = (
        Consensus.objects.select_for_update()
        .select_related("evaluation__proposal__call")
        .get(pk=consensus.pk)
    )
    evaluation = consensus.evaluation
    _require_consensus_writer(evaluation, by)
    _require_not_released(evaluation.call_evaluation)
    terms = terms_for(evaluation.proposal.call, evaluation.side_id)
    scored = {s.criterion_id: s for s in consensus.scores.all()}
    errors = {}
    for c in terms.criteria.all():
        row = scored.get(c.pk)
        if row is None or row.score is None:
            errors[f"score_{c.code}"] = [
                _("Give a consensus score for “%(criterion)s”.") % {"criterion": c.name}
            ]
        elif not row.comment.strip():
            errors[f"comment_{c.code}"] = [_("Comment on “%(criterion)s”.") % {"criterion": c.name}]
    if errors:
        raise ValidationError(errors)
    _apply_result(consensus, terms)
    consensus.state = ConsensusState.FINAL
    consensus.finalised_at = timezone.now()
    consensus.updated_by = by
    consensus.lock_version += 1
    consensus.save()
    audit("evaluation.consensus.final", by=by, obj=consensus, sides=[evaluation.side.code])
    return consensus


@transaction.atomic
def reopen_consensus(consensus: Consensus, *, by) -> Consensus:
    # Locked and read afresh: the caller's copy may predate another writer's save.
    consensus = (
        Consensus.objects.select_for_update(of=("self",))
        .select_related("evaluation__call_evaluation", "evaluation__side")
        .get(pk=consensus.pk)
    )
    _require_officer(by, consensus.evaluation.side_id)
    _require_not_released(consensus.evaluation.call_evaluation)
    consensus.state = ConsensusState.DRAFT
    consensus.finalised_at = None
    consensus.updated_by = by
    consensus.lock_version += 1
    consensus.save()
    audit("evaluation.consensus.reopen", by=by, obj=consensus, sides=[consensus.evaluation.side.code])
    return consensus


# -- ranking and release -----------------------------------------------------------------------------


def ranking_candidates(call_evaluation: CallEvaluation):
    """The proposals a Side ranks: eligible, with a final consensus."""
    return ProposalEvaluation.objects.filter(
        call_evaluation=call_evaluation, eligible=True, consensus__state=ConsensusState.FINAL
    )


def ranked_evaluations(call_evaluation: CallEvaluation, criteria=None):
    """The Side's ranking as one query: the eligible proposals with a final consensus, those above
    all thresholds first, by weighted total, ties broken by the scores of the criteria in the plan's
    order, then by proposal number; each row annotated with its ``position`` (a window over the
    whole list, so a page of it keeps the positions of the full ranking)."""
    if criteria is None:
        criteria = list(terms_for(call_evaluation.call, call_evaluation.side_id).criteria.all())
    # A missing score ranks below every given one, as a missing total counts as zero.
    scores = {
        # One join on the scores, grouped per evaluation (one score per consensus and criterion).
        f"score_{c.pk}": Coalesce(
            Max("consensus__scores__score", filter=Q(consensus__scores__criterion=c)),
            Value(Decimal("-1")),
            output_field=DecimalField(max_digits=4, decimal_places=1),
        )
        for c in criteria
    }
    order = [
        Coalesce("consensus__passes_thresholds", Value(False)).desc(),
        Coalesce("consensus__weighted_total", Value(Decimal("0"))).desc(),
        *(F(name).desc() for name in scores),
        F("proposal__number").asc(),
    ]
    return (
        ranking_candidates(call_evaluation)
        .annotate(**scores)
        .annotate(position=Window(RowNumber(), order_by=order))
        .order_by("position")
    )


def ranking_rows(call_evaluation: CallEvaluation, ranked, criteria) -> list[dict]:
    """Rows of a ranked list (all of it or a page), from ``(evaluation id, position)`` pairs of
    ``ranked_evaluations``: the ranking itself sorts narrow rows, and only the rows shown are loaded
    with their proposal, consensus and scores. Each row: position, evaluation, proposal, consensus,
    scores (by criterion order), passes."""
    ranked = list(ranked)
    loaded = (
        ProposalEvaluation.objects.filter(call_evaluation=call_evaluation, pk__in=[pk for pk, _ in ranked])
        .select_related("proposal", "consensus")
        .prefetch_related("consensus__scores")
    )
    by_pk = {evaluation.pk: evaluation for evaluation in loaded}
    rows = []
    for pk, position in ranked:
        evaluation = by_pk[pk]
        consensus = evaluation.consensus
        by_criterion = {s.criterion_id: s for s in consensus.scores.all()}
        rows.append(
            {
                "position": position,
                "evaluation": evaluation,
                "proposal": evaluation.proposal,
                "consensus": consensus,
                "scores": [by_criterion.get(c.pk) for c in criteria],
                "passes": bool(consensus.passes_thresholds),
            }
        )
    return rows


def rank(call_evaluation: CallEvaluation, *, criteria=None) -> list[dict]:
    """The Side's whole ranked list (see ``ranked_evaluations``), in order."""
    if criteria is None:
        criteria = list(terms_for(call_evaluation.call, call_evaluation.side_id).criteria.all())
    ranked = ranked_evaluations(call_evaluation, criteria).values_list("pk", "position")
    return ranking_rows(call_evaluation, ranked, criteria)


def release_blockers(call_evaluation: CallEvaluation) -> list[ProposalEvaluation]:
    """Eligible proposals of the Side that have no final consensus yet."""
    return list(
        ProposalEvaluation.objects.filter(call_evaluation=call_evaluation, eligible=True)
        .exclude(consensus__state=ConsensusState.FINAL)
        .select_related("proposal")
    )


def _transition_call(call, to, *, by, reason: str) -> None:
    """Move the call on through the calls app's transition, when its table allows the step from the
    call's current state (a call already moved on is left alone)."""
    call.refresh_from_db(fields=["state"])
    if to not in ALLOWED_TRANSITIONS.get(call.state, set()):
        return
    transition_call(call, to, by=by, reason=reason)


@transaction.atomic
def release_consensus(call_evaluation: CallEvaluation, *, by) -> CallEvaluation:
    """The Side releases its consensus and ranking for the call to the other Side. Needs a final
    consensus for every eligible proposal; closes the Side's evaluation. When both Sides have
    released, the joint selection list opens."""
    call_evaluation = (
        CallEvaluation.objects.select_for_update().select_related("call", "side").get(pk=call_evaluation.pk)
    )
    _require_officer(by, call_evaluation.side_id)
    _require_not_released(call_evaluation)
    blockers = release_blockers(call_evaluation)
    if blockers:
        raise ValidationError(
            _("These proposals have no final consensus yet: %(list)s")
            % {"list": ", ".join(e.proposal.number for e in blockers)}
        )
    call_evaluation.released_at = timezone.now()
    call_evaluation.released_by = by
    call_evaluation.save(update_fields=["released_at", "released_by"])
    audit("evaluation.release", by=by, obj=call_evaluation)
    call = call_evaluation.call
    if not CallEvaluation.objects.filter(call=call, released_at__isnull=True).exists():
        open_selection(call)
        _transition_call(call, CallState.SELECTION, by=by, reason="both Sides released their consensus")
    return call_evaluation


# -- joint selection ---------------------------------------------------------------------------------


def both_released(call) -> bool:
    releases = CallEvaluation.objects.filter(call=call).values_list("released_at", flat=True)
    return len(releases) == 2 and all(releases)


@transaction.atomic
def open_selection(call) -> SelectionList:
    """The joint selection list of the call with one entry per proposal under evaluation; a proposal
    ineligible for a Side starts as not selected."""
    selection, _created = SelectionList.objects.get_or_create(call=call)
    ineligible = set(
        ProposalEvaluation.objects.filter(proposal__call=call, eligible=False).values_list(
            "proposal_id", flat=True
        )
    )
    for proposal in Proposal.objects.filter(call=call, side_evaluations__isnull=False).distinct():
        SelectionEntry.objects.get_or_create(
            selection=selection,
            proposal=proposal,
            defaults={
                "outcome": SelectionOutcome.NOT_SELECTED
                if proposal.pk in ineligible
                else SelectionOutcome.UNDECIDED
            },
        )
    return selection


def selection_hash(selection: SelectionList) -> str:
    """What both Sides approve: every proposal's outcome (read as plain values: a list of thousands
    of entries is hashed on every page view)."""
    entries = selection.entries.order_by("proposal__number").values_list("proposal__number", "outcome")
    return content_hash({"revision": selection.revision, "entries": [list(entry) for entry in entries]})


def selectable(proposal: Proposal) -> bool:
    """True when both Sides found the proposal eligible and its final consensus passes every threshold."""
    evaluations = list(proposal.side_evaluations.select_related("consensus"))
    if len(evaluations) != 2:
        return False
    for evaluation in evaluations:
        consensus = getattr(evaluation, "consensus", None)
        if not evaluation.eligible or consensus is None or consensus.state != ConsensusState.FINAL:
            return False
        if not consensus.passes_thresholds:
            return False
    return True


@transaction.atomic
def record_selection(entry: SelectionEntry, outcome: str, *, by, note: str | None = None) -> SelectionEntry:
    """An officer of either Side records the outcome of one proposal. Any change withdraws the list's
    approvals (they were of the previous content).

    The outcome of a proposal with funding decisions does not change: each Side decides its own
    funding, so the Side that funded withdraws it first (``withdraw_funding``) rather than the
    portal dropping it behind that Side's back. The list row is locked, as in ``record_funding``, so
    a funding decision and an outcome change cannot cross."""
    selection = SelectionList.objects.select_for_update().get(pk=entry.selection_id)
    entry = SelectionEntry.objects.select_related("proposal").get(pk=entry.pk)
    if not (by.is_authenticated and by.side_id and by.is_officer):
        raise ValidationError(_("Only a programme officer can record the selection."))
    if not both_released(selection.call):
        raise ValidationError(_("Both Sides must release their consensus first."))
    if outcome not in SelectionOutcome.values:
        raise ValidationError({"outcome": _("Choose selected, reserve or not selected.")})
    if outcome in (SelectionOutcome.SELECTED, SelectionOutcome.RESERVE) and not selectable(entry.proposal):
        raise ValidationError(
            {
                "outcome": _(
                    "This proposal is below a threshold or ineligible for a Side and cannot be selected."
                )
            }
        )
    changed = entry.outcome != outcome
    funded_by = sorted(
        set(FundingDecision.objects.filter(proposal=entry.proposal).values_list("side__code", flat=True))
    )
    if changed and funded_by:
        raise ValidationError(
            {
                "outcome": _(
                    "The %(sides)s Side has decided funding for this proposal; withdraw the funding first "
                    "(on the funding page of the call), then change the outcome."
                )
                % {"sides": ", ".join(funded_by)}
            }
        )
    entry.outcome = outcome
    if note is not None:
        entry.note = note
    entry.updated_by = by
    entry.save()
    if changed:
        selection.revision += 1
        selection.save(update_fields=["revision", "updated_at"])
    audit("evaluation.selection.entry", by=by, obj=entry, outcome=outcome)
    return entry


def _take_effect(selection: SelectionList, version: str, *, by) -> None:
    """Both Sides approved this content: proposals move to their outcome and the call moves on."""
    ineligible = set(
        ProposalEvaluation.objects.filter(proposal__call=selection.call, eligible=False).values_list(
            "proposal_id", flat=True
        )
    )
    state_for = {
        SelectionOutcome.SELECTED: ProposalState.SELECTED,
        SelectionOutcome.RESERVE: ProposalState.RESERVE,
        SelectionOutcome.NOT_SELECTED: ProposalState.NOT_SELECTED,
    }
    for entry in selection.entries.select_related("proposal"):
        to = state_for[entry.outcome]
        if entry.proposal_id in ineligible and entry.proposal.state == ProposalState.UNDER_EVALUATION:
            to = ProposalState.INELIGIBLE
        if entry.proposal.state == ProposalState.INELIGIBLE:
            continue
        transition_proposal(entry.proposal, to, by=by, reason="joint selection")
    now = clock.now()
    selection.effective_hash = version
    selection.effective_at = now
    selection.first_effective_at = selection.first_effective_at or now
    selection.save(update_fields=["effective_hash", "effective_at", "first_effective_at", "updated_at"])
    audit("evaluation.selection.effective", by=by, obj=selection, version=version)
    _tell_applicants(selection, version)
    call = selection.call
    _transition_call(call, CallState.SELECTION, by=by, reason="joint selection")
    _transition_call(call, CallState.AWARDED, by=by, reason="joint selection in effect")


def _tell_applicants(selection: SelectionList, version: str) -> None:
    """Each consortium member learns that the evaluation summary of their proposal is out."""
    from proposals.models import ConsortiumMember

    members = ConsortiumMember.objects.filter(
        proposal__in=selection.entries.values("proposal"), user__isnull=False
    ).select_related("user", "proposal")
    for member in members:
        notify(
            [member.user],
            "evaluation_summary_ready",
            {"proposal": member.proposal},
            event="evaluation.summary_ready",
            dedupe_key=f"summary-{member.proposal_id}-{version}",
        )


@transaction.atomic
def approve_selection(selection: SelectionList, *, by, version: str | None = None) -> bool:
    """An officer approves the list's current content for their Side. ``version`` (the hash the
    officer saw) guards against approving a list that changed meanwhile. Returns True once the list
    took effect (both Sides approved this same content)."""
    selection = SelectionList.objects.select_for_update().select_related("call").get(pk=selection.pk)
    if not both_released(selection.call):
        raise ValidationError(_("Both Sides must release their consensus first."))
    undecided = selection.entries.filter(outcome=SelectionOutcome.UNDECIDED).count()
    if undecided:
        raise ValidationError(_("%(n)d proposals have no outcome yet.") % {"n": undecided})
    current = selection_hash(selection)
    if version is not None and version != current:
        raise ValidationError(_("The list changed since you loaded it; review it again before approving."))
    if current == selection.effective_hash:
        raise ValidationError(_("This list is already in effect."))
    _approval, both = approve(selection, current, by=by)
    if both:
        _take_effect(selection, current, by=by)
    return both


def selection_state(selection: SelectionList) -> dict:
    current = selection_hash(selection)
    return {
        "hash": current,
        "approved_sides": approved_sides(selection, current),
        "in_effect": bool(selection.effective_hash) and selection.effective_hash == current,
    }


def open_divergence(proposal: Proposal, *, by, subject: str, description: str = ""):
    """An officer opens a divergence of opinion between the Sides with the proposal attached
    (``loi_portal.governance.open_divergence``)."""
    if not (by.is_authenticated and by.side_id and by.is_officer):
        raise ValidationError(_("Only a programme officer can open a divergence of opinion."))
    return governance.open_divergence(subject, by=by, linked=[proposal], description=description)


# -- funding -----------------------------------------------------------------------------------------


def budget_figures(call, side) -> dict:
    side_id = getattr(side, "pk", side)
    budget = CallBudget.objects.select_related("side").get(call=call, side_id=side_id)
    committed = (
        FundingDecision.objects.filter(call=call, side_id=side_id).aggregate(total=Sum("amount_minor"))[
            "total"
        ]
        or 0
    )
    return {
        "side": budget.side,
        "currency": budget.side.currency,
        "cap": budget.cap_minor,
        "committed": committed,
        "remaining": budget.cap_minor - committed,
    }


@transaction.atomic
def record_funding(partner: Partner, amount_minor: int, *, by, note: str = "") -> FundingDecision:
    """The partner's Side funds its own participant of a selected proposal: in the Side's minor unit,
    never above the request, never beyond the Side's budget for the call. The budget row is locked,
    so two concurrent decisions cannot overshoot.

    Selected means in the joint selection list as it is in effect now: the list's current content
    approved by both Sides with this proposal's entry SELECTED. While a changed list waits for the
    approvals again, nothing is funded (the change may be the de-selection of this very proposal).
    The list row is locked first, so that ``record_selection`` cannot change the entry meanwhile."""
    partner = Partner.objects.select_related("proposal__call", "side").get(pk=partner.pk)
    proposal = partner.proposal
    _require_officer(by, partner.side_id)
    selection = SelectionList.objects.select_for_update().filter(call_id=proposal.call_id).first()
    if selection is None or not selection.effective_hash:
        raise ValidationError(_("Only participants of selected proposals are funded."))
    if not selection_state(selection)["in_effect"]:
        raise ValidationError(
            _(
                "The joint selection list has changed since it took effect; both Sides approve it again "
                "before funding is decided."
            )
        )
    entry = selection.entries.filter(proposal=proposal).first()
    if (
        entry is None
        or entry.outcome != SelectionOutcome.SELECTED
        or proposal.state != ProposalState.SELECTED
    ):
        raise ValidationError(_("Only participants of selected proposals are funded."))
    budget = CallBudget.objects.select_for_update().get(call_id=proposal.call_id, side_id=partner.side_id)
    try:
        amount = int(amount_minor)
    except (TypeError, ValueError):
        raise ValidationError({"amount_minor": _("Enter a whole amount.")}) from None
    if amount < 0:
        raise ValidationError({"amount_minor": _("The amount cannot be negative.")})
    if amount > partner.requested_minor:
        raise ValidationError({"amount_minor": _("The amount is above what the participant requested.")})
    existing = FundingDecision.objects.filter(partner=partner).first()
    others = (
        FundingDecision.objects.filter(call_id=proposal.call_id, side_id=partner.side_id)
        .exclude(partner=partner)
        .aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    if others + amount > budget.cap_minor:
        raise ValidationError(
            {
                "amount_minor": _("This would exceed your Side's budget for the call; %(left)s remain.")
                % {"left": _format(budget.cap_minor - others, partner.side.currency)}
            }
        )
    same_proposal = (
        FundingDecision.objects.filter(proposal=proposal, side_id=partner.side_id)
        .exclude(partner=partner)
        .aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    if budget.per_proposal_cap_minor and same_proposal + amount > budget.per_proposal_cap_minor:
        raise ValidationError({"amount_minor": _("This would exceed your Side's cap per proposal.")})
    if existing is None:
        decision = FundingDecision.objects.create(
            call_id=proposal.call_id,
            proposal=proposal,
            partner=partner,
            side_id=partner.side_id,
            amount_minor=amount,
            note=note,
            decided_by=by,
        )
    else:
        decision = existing
        decision.amount_minor = amount
        decision.note = note
        decision.decided_by = by
        decision.save()
    audit("evaluation.funding", by=by, obj=decision, sides=[partner.side.code], amount_minor=amount)
    return decision


@transaction.atomic
def withdraw_funding(decision: FundingDecision, *, by) -> None:
    """The Side's officer withdraws its funding decision on one of its participants: the amount no
    longer counts against the Side's budget, and the proposal's outcome may change again. Refused once
    the proposal is a project (its funding was copied there)."""
    from reporting.models import Project  # reporting builds on the evaluation, not the other way

    # The same locks and order as record_funding: the list, then the budget.
    SelectionList.objects.select_for_update().filter(call_id=decision.call_id).first()
    decision = FundingDecision.objects.select_related("side", "partner").filter(pk=decision.pk).first()
    if decision is None:
        raise ValidationError(_("This funding decision has already been withdrawn."))
    _require_officer(by, decision.side_id)
    CallBudget.objects.select_for_update().get(call_id=decision.call_id, side_id=decision.side_id)
    if Project.objects.filter(proposal_id=decision.proposal_id).exists():
        raise ValidationError(_("This proposal is already a project; its funding is managed there."))
    audit(
        "evaluation.funding.withdraw",
        by=by,
        obj=decision,
        sides=[decision.side.code],
        amount_minor=decision.amount_minor,
    )
    decision.delete()


def _format(minor: int, currency: str) -> str:
    from loi_portal.money import format_amount

    return format_amount(minor, currency)


# -- applicants: summary and requests for evaluation review ------------------------------------------


def review_request_deadline(proposal: Proposal) -> dt.datetime | None:
    selection = SelectionList.objects.filter(call_id=proposal.call_id).first()
    if selection is None or not selection.first_effective_at:
        return None
    return selection.first_effective_at + dt.timedelta(days=REVIEW_REQUEST_DAYS)


@transaction.atomic
def file_review_request(proposal: Proposal, *, by, side, text: str) -> ReviewRequest:
    """A member of the consortium asks the Side concerned to review the evaluation procedure, within
    30 days of the outcome. The Side's officers are told."""
    from .permissions import can_request_review

    if not can_request_review(by, proposal):
        raise ValidationError(_("You cannot request a review of this evaluation."))
    deadline = review_request_deadline(proposal)
    if deadline is None or clock.now() > deadline:
        raise ValidationError(_("Requests for evaluation review are accepted within 30 days of the outcome."))
    if not text.strip():
        raise ValidationError({"text": _("Describe the problem with the procedure.")})
    side_obj = side if isinstance(side, Side) else Side.objects.get(pk=side)
    request = ReviewRequest.objects.create(
        proposal=proposal, side=side_obj, text=text.strip(), requested_by=by
    )
    audit("evaluation.review_request", by=by, obj=request, sides=[side_obj.code])
    officers = User.objects.filter(groups=side_role_group(side_obj, Role.OFFICER), is_active=True)
    notify(
        officers,
        "evaluation_review_request",
        {"request": request, "proposal": proposal},
        event="evaluation.review_request",
        dedupe_key=f"review-request-{request.pk}",
    )
    return request


@transaction.atomic
def answer_review_request(request: ReviewRequest, *, by, answer: str) -> ReviewRequest:
    request = ReviewRequest.objects.select_for_update().select_related("side", "proposal").get(pk=request.pk)
    _require_officer(by, request.side_id)
    if request.state != ReviewRequestState.OPEN:
        raise ValidationError(_("This request has already been answered."))
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer.")})
    request.state = ReviewRequestState.ANSWERED
    request.answer = answer.strip()
    request.answered_by = by
    request.answered_at = timezone.now()
    request.save()
    audit("evaluation.review_request.answer", by=by, obj=request, sides=[request.side.code])
    notify(
        [request.requested_by],
        "evaluation_review_request_answered",
        {"request": request, "proposal": request.proposal},
        event="evaluation.review_request.answered",
        dedupe_key=f"review-request-answer-{request.pk}",
    )
    return request
