"""Demo data of the evaluation: when a call is under evaluation with submitted proposals, its
proposals get evaluators on both Sides, reviews in every state and a consensus, so that evaluators
and officers of both Sides have something to see. Before that, a past joint call is taken through its
whole evaluation, joint selection and funding (see demo_history.py). Safe to run twice."""

from __future__ import annotations

from decimal import Decimal

from calls.enums import CallState
from calls.models import Call
from proposals.enums import ProposalState

from . import services
from .demo_history import seed_past_call
from .enums import AssignmentState
from .models import ProposalEvaluation


def _scores(terms, base: Decimal) -> dict:
    step = terms.scale_step
    scores = {}
    for index, criterion in enumerate(terms.criteria.all()):
        value = min(terms.scale_max, base + step * (index % 3))
        scores[criterion.code] = {"score": value, "comment": f"Demo assessment of {criterion.name}."}
    return scores


def seed(ctx: dict) -> list[tuple[str, str, str]]:
    users = ctx.get("users") or {}
    past_call = seed_past_call(ctx)
    if past_call is not None:
        ctx["past_call"] = past_call
        ctx["evaluation_call"] = past_call
    calls = [c for c in ctx.get("calls", []) if getattr(c, "state", None) == CallState.UNDER_EVALUATION]
    calls = calls or list(Call.objects.filter(state=CallState.UNDER_EVALUATION).order_by("pk")[:1])
    if not calls or not users:
        return []
    call = calls[0]
    if not call.proposals.filter(
        state__in=[ProposalState.SUBMITTED, ProposalState.UNDER_EVALUATION]
    ).exists():
        return []
    services.on_evaluation_started(call)
    for code in ("EU", "JP"):
        officer = users.get(f"{code.lower()}_officer")
        evaluators = [users.get(f"{code.lower()}_evaluator{i}") for i in (1, 2, 3)]
        if officer is None or None in evaluators:
            continue
        terms = services.terms_for(call, officer.side)
        evaluations = ProposalEvaluation.objects.filter(
            proposal__call=call, side=officer.side
        ).select_related("proposal", "side", "call_evaluation")
        for number, evaluation in enumerate(evaluations.order_by("proposal__number")[:3]):
            if evaluation.assignments.exists() or not evaluation.eligible:
                continue
            for index, evaluator in enumerate(evaluators):
                if services.likely_conflicts(evaluator, evaluation.proposal):
                    continue
                assignment = services.assign_evaluator(evaluation, evaluator, by=officer)
                if index == 2 and number == 0:
                    continue  # left awaiting the conflict declaration
                services.declare_no_conflict(assignment, by=evaluator)
                review = services.save_review(
                    assignment,
                    by=evaluator,
                    scores=_scores(terms, Decimal("3") + terms.scale_step * index),
                    overall_comment="A demo review.",
                    confidence="medium",
                )
                if not (index == 1 and number == 0):
                    services.submit_review(review, by=evaluator)
            if number == 1 and evaluation.assignments.filter(state=AssignmentState.ACTIVE).exists():
                consensus = services.save_consensus(
                    evaluation,
                    by=officer,
                    scores=_scores(terms, Decimal("3.5")),
                    overall_comment="The experts agreed on a good proposal.",
                    majority_view="Strong consortium across both Sides.",
                )
                services.finalise_consensus(consensus, by=officer)
    ctx["evaluation_call"] = call
    return []
