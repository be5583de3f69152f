"""Reads of the evaluation that depend on who asks. The walls between the Sides live here: every page,
the API and the admin take their rows from these querysets, so something hidden is a 404.

- A Side's assignments, conflicts, reviews and progress: only that Side's officers, and each
  evaluator their own assignment (and own review; co-reviews once the officer allows it and they
  submitted). Never the other Side, not even after release.
- A Side's consensus and ranking: that Side's officers (and the named rapporteur for the consensus);
  the other Side's officers once the Side released its consensus for the call.
- Applicants: the evaluation summary of their proposal once the joint selection is in effect."""

from __future__ import annotations

import statistics
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404

from proposals.models import ConsortiumMember, Partner, Proposal

from .enums import AssignmentState, ConsensusState, ReviewState
from .models import (
    Assignment,
    CallEvaluation,
    Consensus,
    FundingDecision,
    ProposalEvaluation,
    Review,
    ReviewRequest,
    SelectionEntry,
    SelectionList,
)
from .permissions import can_view_ranking


def _side_user(user) -> bool:
    return bool(user and user.is_authenticated and user.side_id)


def _officer(user) -> bool:
    return _side_user(user) and user.is_officer


# -- call and proposal evaluations -------------------------------------------------------------------


def call_evaluations_for_user(user):
    """Officers: their own Side's evaluations, and the other Side's once released (for its ranking)."""
    if not _officer(user):
        return CallEvaluation.objects.none()
    return (
        CallEvaluation.objects.filter(Q(side_id=user.side_id) | Q(released_at__isnull=False))
        .select_related("call", "side")
        .order_by("-call__deadline", "side__code")
    )


def proposal_evaluations_for_user(user, *, call_evaluation=None):
    """The eligibility screen and the officer's lists: their own Side only, with the counts of
    assignments and reviews (aggregates stay inside the Side)."""
    if not _officer(user):
        return ProposalEvaluation.objects.none()
    qs = (
        ProposalEvaluation.objects.filter(side_id=user.side_id)
        .select_related("proposal", "call_evaluation__call", "side", "rapporteur", "consensus")
        .annotate(
            open_assignments=Count(
                "assignments",
                filter=Q(assignments__state__in=[AssignmentState.PENDING, AssignmentState.ACTIVE]),
                distinct=True,
            ),
            declared_assignments=Count(
                "assignments", filter=Q(assignments__state=AssignmentState.ACTIVE), distinct=True
            ),
            conflicts=Count(
                "assignments", filter=Q(assignments__state=AssignmentState.CONFLICT), distinct=True
            ),
            submitted_reviews=Count(
                "assignments",
                filter=Q(
                    assignments__state=AssignmentState.ACTIVE,
                    assignments__review__state=ReviewState.SUBMITTED,
                ),
                distinct=True,
            ),
        )
        .order_by("proposal__number")
    )
    if call_evaluation is not None:
        qs = qs.filter(call_evaluation=call_evaluation)
    return qs


def progress_for_user(user, call_evaluation) -> dict | None:
    """Progress figures of a Side's evaluation of a call: for that Side's officers only."""
    if not (_officer(user) and user.side_id == call_evaluation.side_id):
        return None
    evaluations = ProposalEvaluation.objects.filter(call_evaluation=call_evaluation)
    assignments = Assignment.objects.filter(evaluation__call_evaluation=call_evaluation)
    return {
        "proposals": evaluations.count(),
        "eligible": evaluations.filter(eligible=True).count(),
        "assignments": assignments.filter(
            state__in=[AssignmentState.PENDING, AssignmentState.ACTIVE]
        ).count(),
        "pending_declarations": assignments.filter(state=AssignmentState.PENDING).count(),
        "conflicts": assignments.filter(state=AssignmentState.CONFLICT).count(),
        "submitted_reviews": Review.objects.filter(
            assignment__in=assignments.filter(state=AssignmentState.ACTIVE), state=ReviewState.SUBMITTED
        ).count(),
        "final_consensus": evaluations.filter(eligible=True, consensus__state=ConsensusState.FINAL).count(),
    }


# -- assignments and reviews -------------------------------------------------------------------------


def assignments_for_user(user):
    """Officers: every assignment of their Side. Evaluators: their own assignments."""
    if not _side_user(user):
        return Assignment.objects.none()
    qs = Assignment.objects.select_related(
        "evaluation__proposal__call",
        "evaluation__call_evaluation",
        "evaluator__organisation",
        "side",
        "review",
    )
    if user.is_officer:
        return qs.filter(Q(side_id=user.side_id) | Q(evaluator=user))
    return qs.filter(evaluator=user)


def evaluator_dashboard_for_user(user):
    """The evaluator's assignments with the consortium prefetched (title and partners are all they see
    before declaring)."""
    return (
        Assignment.objects.filter(evaluator=user)
        .select_related("evaluation__proposal__call", "evaluation__call_evaluation", "review")
        .prefetch_related(
            Prefetch(
                "evaluation__proposal__partners", queryset=Partner.objects.select_related("organisation")
            )
        )
        .order_by("state", "-assigned_at")
    )


def reviews_for_user(user):
    """Officers of the Side: submitted reviews of active assignments. Evaluators: their own review
    while on the proposal, and their co-reviewers' submitted reviews once they submitted theirs and
    the officer allowed co-reviewers to see each other. Reviews of a conflicted or removed assignment
    are nobody's to read."""
    if not _side_user(user):
        return Review.objects.none()
    qs = Review.objects.select_related(
        "assignment__evaluation__proposal__call", "assignment__evaluator", "assignment__side"
    ).prefetch_related("scores__criterion")
    active = Q(assignment__state=AssignmentState.ACTIVE)
    mine = Q(assignment__evaluator=user)
    visible = mine
    if user.is_officer:
        visible |= Q(assignment__side_id=user.side_id, state=ReviewState.SUBMITTED)
    my_submitted = Review.objects.filter(
        assignment__evaluator=user,
        assignment__state=AssignmentState.ACTIVE,
        state=ReviewState.SUBMITTED,
        assignment__evaluation=OuterRef("assignment__evaluation"),
    )
    visible |= Q(
        Exists(my_submitted),
        state=ReviewState.SUBMITTED,
        assignment__evaluation__reviewers_see_each_other=True,
        assignment__side_id=user.side_id,
    )
    return qs.filter(active).filter(visible)


def spread(values: list[Decimal]) -> Decimal | None:
    """Population standard deviation of the scores, rounded to two places (None with no scores)."""
    if not values:
        return None
    # Quantized, not round()ed through a float: 1.00 reads as two places, not "1.0".
    return statistics.pstdev([Decimal(v) for v in values]).quantize(Decimal("0.01"))


def consensus_workspace(evaluation: ProposalEvaluation, criteria) -> dict:
    """For the consensus page: the submitted reviews side by side and the spread per criterion. The
    caller has checked ``can_write_consensus`` or that the user is an officer of the Side."""
    reviews = list(
        Review.objects.filter(
            assignment__evaluation=evaluation,
            assignment__state=AssignmentState.ACTIVE,
            state=ReviewState.SUBMITTED,
        )
        .select_related("assignment__evaluator")
        .prefetch_related("scores")
        .order_by("assignment__assigned_at")
    )
    rows = []
    for criterion in criteria:
        scores = []
        for review in reviews:
            score = next((s for s in review.scores.all() if s.criterion_id == criterion.pk), None)
            scores.append(score)
        values = [s.score for s in scores if s and s.score is not None]
        rows.append(
            {
                "criterion": criterion,
                "scores": scores,
                "mean": (sum(values, Decimal("0")) / len(values)).quantize(Decimal("0.01"))
                if values
                else None,
                "spread": spread(values),
            }
        )
    return {"reviews": reviews, "rows": rows}


# -- consensus and ranking ---------------------------------------------------------------------------


def consensus_for_user(user):
    """Officers of the Side and the named rapporteur; the other Side's officers see final consensus
    once the Side released it."""
    if not _side_user(user):
        return Consensus.objects.none()
    qs = Consensus.objects.select_related(
        "evaluation__proposal__call", "evaluation__side", "evaluation__call_evaluation"
    ).prefetch_related("scores__criterion")
    visible = Q(
        evaluation__rapporteur=user,
        evaluation__side_id=user.side_id,
        evaluation__assignments__evaluator=user,
        evaluation__assignments__state=AssignmentState.ACTIVE,
    )
    if user.is_officer:
        visible |= Q(evaluation__side_id=user.side_id)
        visible |= Q(state=ConsensusState.FINAL, evaluation__call_evaluation__released_at__isnull=False)
    return qs.filter(visible).distinct()


def ranking_for_user(user, call_evaluation) -> list[dict]:
    """The Side's ranked list, or Http404 for anyone outside the wall."""
    from .services import rank

    if not can_view_ranking(user, call_evaluation):
        raise Http404
    return rank(call_evaluation)


RANKING_PAGE_SIZE = 50


class _CountedPaginator(Paginator):
    """A paginator told its count: counting a windowed ranking would rank it all once more."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def ranking_page_for_user(user, call_evaluation, page_number, *, per_page: int | None = None):
    """One page of the Side's ranked list (positions are those of the whole list) and its rows,
    or Http404 for anyone outside the wall. A fixed number of queries, whatever the call's size."""
    from .services import ranked_evaluations, ranking_candidates, ranking_rows, terms_for

    if not can_view_ranking(user, call_evaluation):
        raise Http404
    criteria = list(terms_for(call_evaluation.call, call_evaluation.side_id).criteria.all())
    ranked = ranked_evaluations(call_evaluation, criteria)
    page = _CountedPaginator(
        ranked.values_list("pk", "position"),
        per_page or RANKING_PAGE_SIZE,
        # The same rows, counted without the window and the scores.
        count=ranking_candidates(call_evaluation).count(),
    ).get_page(page_number)
    return page, ranking_rows(call_evaluation, page.object_list, criteria), criteria


# -- joint selection and funding ---------------------------------------------------------------------


def selection_lists_for_user(user):
    """Officers of both Sides, once both Sides released their consensus."""
    if not _officer(user):
        return SelectionList.objects.none()
    return (
        SelectionList.objects.select_related("call")
        .annotate(
            unreleased=Count(
                "call__side_evaluations", filter=Q(call__side_evaluations__released_at__isnull=True)
            )
        )
        .filter(unreleased=0)
    )


def selection_entries(selection: SelectionList):
    return selection.entries.select_related("proposal", "updated_by").order_by("proposal__number")


def funding_decisions_for_user(user):
    """Officers of both Sides (funding is decided after the joint selection, in the open)."""
    if not _officer(user):
        return FundingDecision.objects.none()
    return FundingDecision.objects.select_related(
        "call", "proposal", "partner__organisation", "side", "decided_by"
    ).order_by("call", "side__code", "proposal__number", "partner__order")


def fundable_partners_for_user(user, call=None):
    """The officer's own Side's participants of selected proposals (of ``call``, or of every call),
    with any decision."""
    from proposals.enums import ProposalState

    if not _officer(user):
        return Partner.objects.none()
    qs = Partner.objects.filter(side_id=user.side_id, proposal__state=ProposalState.SELECTED)
    if call is not None:
        qs = qs.filter(proposal__call=call)
    return qs.select_related("proposal", "organisation", "side", "funding_decision").order_by(
        "proposal__number", "order", "pk"
    )


# -- applicants --------------------------------------------------------------------------------------


def summary_available(proposal: Proposal) -> bool:
    """Both Sides released their decisions: the joint selection took effect."""
    return SelectionList.objects.filter(call_id=proposal.call_id, first_effective_at__isnull=False).exists()


def evaluation_summary_for(proposal: Proposal, user) -> dict | None:
    """The Evaluation Summary for a member of the consortium once both Sides released their decisions:
    the outcome and each Side's consensus scores and comments, never who reviewed. None otherwise."""
    if not (
        _side_user(user) and ConsortiumMember.objects.filter(proposal=proposal, user=user).exists()
    ) or not summary_available(proposal):
        return None
    entry = SelectionEntry.objects.filter(selection__call_id=proposal.call_id, proposal=proposal).first()
    evaluations = (
        ProposalEvaluation.objects.filter(proposal=proposal)
        .select_related("side", "consensus")
        .prefetch_related("consensus__scores__criterion")
        .order_by("side__code")
    )
    from calls.models import PlanSideTerms

    # Each Side's scale and overall threshold, so that a score reads "out of" the scale's maximum.
    terms = {t.side_id: t for t in PlanSideTerms.objects.filter(version_id=proposal.call.plan_version_id)}
    sides = []
    for evaluation in evaluations:
        consensus = getattr(evaluation, "consensus", None)
        final = consensus if consensus is not None and consensus.state == ConsensusState.FINAL else None
        side_terms = terms.get(evaluation.side_id)
        sides.append(
            {
                "side": evaluation.side,
                "scale_max": side_terms.scale_max if side_terms else None,
                "overall_threshold": side_terms.overall_threshold if side_terms else None,
                "eligible": evaluation.eligible,
                "ineligibility_reason": evaluation.ineligibility_reason,
                "consensus": final,
                "scores": list(final.scores.all()) if final else [],
            }
        )
    from .services import review_request_deadline

    return {
        "proposal": proposal,
        "outcome": entry.get_outcome_display() if entry else "",
        "outcome_code": entry.outcome if entry else "",
        "sides": sides,
        "review_request_deadline": review_request_deadline(proposal),
        "requests": list(
            ReviewRequest.objects.filter(proposal=proposal).select_related("side").order_by("requested_at")
        ),
    }


def review_requests_for_user(user):
    """Officers of the Side concerned, and the members of the proposal's consortium."""
    if not _side_user(user):
        return ReviewRequest.objects.none()
    member = Q(proposal__members__user=user)
    visible = member
    if user.is_officer:
        visible |= Q(side_id=user.side_id)
    return (
        ReviewRequest.objects.filter(visible)
        .select_related("proposal", "side", "requested_by", "answered_by")
        .distinct()
    )


def selection_page(selection: SelectionList, page_number, *, per_page: int | None = None):
    """One page of the joint selection: a row per proposal with each Side's released ranking
    position, weighted total and threshold result, ordered by the EU position then the number
    (callers have taken ``selection`` from ``selection_lists_for_user``, so both Sides released).
    The positions come from one narrow query per Side; only the page's entries are loaded."""
    from .services import ranked_evaluations

    by_side = {}
    for call_evaluation in CallEvaluation.objects.filter(call_id=selection.call_id).select_related(
        "call", "side"
    ):
        ranked = ranked_evaluations(call_evaluation).values_list(
            "proposal_id", "position", "consensus__weighted_total", "consensus__passes_thresholds"
        )
        by_side[call_evaluation.side.code] = {
            pid: (pos, total, bool(passes)) for pid, pos, total, passes in ranked
        }
    eu = by_side.get("EU", {})
    order = sorted(
        selection.entries.values_list("pk", "proposal_id", "proposal__number"),
        key=lambda e: (eu[e[1]][0] if e[1] in eu else 10**9, e[2]),
    )
    page = Paginator(order, per_page or RANKING_PAGE_SIZE).get_page(page_number)
    ids = [pk for pk, _proposal, _number in page.object_list]
    entries = {e.pk: e for e in selection_entries(selection).filter(pk__in=ids)}
    proposal_ids = [entries[pk].proposal_id for pk in ids]
    eligibility = {
        (proposal_id, code): eligible
        for proposal_id, code, eligible in ProposalEvaluation.objects.filter(
            proposal_id__in=proposal_ids
        ).values_list("proposal_id", "side__code", "eligible")
    }
    rows = []
    for pk in ids:
        entry = entries[pk]
        sides = []
        for code in ("EU", "JP"):
            position, total, passes = by_side.get(code, {}).get(entry.proposal_id, (None, None, False))
            sides.append(
                {
                    "code": code,
                    "eligible": eligibility.get((entry.proposal_id, code), False),
                    "position": position,
                    "weighted_total": total,
                    "passes": passes,
                }
            )
        rows.append(
            {
                "entry": entry,
                "proposal": entry.proposal,
                "sides": sides,
                "selectable": all(s["eligible"] and s["passes"] for s in sides),
            }
        )
    return page, rows


def proposals_with_summary_for_user(user):
    """The user's proposals (as a member of the consortium) whose evaluation summary is out."""
    if not _side_user(user):
        return Proposal.objects.none()
    return Proposal.objects.filter(
        members__user=user, call__selection_list__first_effective_at__isnull=False
    ).distinct()


def summaries_for_user(user) -> list:
    return list(proposals_with_summary_for_user(user).select_related("call").order_by("number"))
