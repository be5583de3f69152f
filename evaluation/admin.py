"""Admin of the evaluation: read-only, and every list comes from the same selectors as the pages, so
the walls hold here too. A superuser sees only what their own Side may (nothing without a Side);
writes go through the pages and the API, which call the services."""

from django.contrib import admin

from . import selectors
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


class WalledAdmin(admin.ModelAdmin):
    """Rows from ``visible(user)``; no add, change or delete here."""

    def visible(self, user):
        raise NotImplementedError

    def get_queryset(self, request):
        qs = self.visible(request.user)
        if self.list_select_related:
            qs = qs.select_related(*self.list_select_related)
        return qs

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CallEvaluation)
class CallEvaluationAdmin(WalledAdmin):
    list_display = ["call", "side", "evaluators_per_proposal", "released_at"]
    list_filter = ["side"]
    search_fields = ["call__identifier"]
    list_select_related = ["call", "side"]

    def visible(self, user):
        return selectors.call_evaluations_for_user(user).filter(side_id=user.side_id)


@admin.register(ProposalEvaluation)
class ProposalEvaluationAdmin(WalledAdmin):
    list_display = ["proposal", "side", "eligible", "rapporteur", "reviewers_see_each_other"]
    list_filter = ["side", "eligible"]
    search_fields = ["proposal__number", "proposal__acronym"]
    list_select_related = ["proposal", "side", "rapporteur"]

    def visible(self, user):
        return selectors.proposal_evaluations_for_user(user)


@admin.register(Assignment)
class AssignmentAdmin(WalledAdmin):
    list_display = ["evaluation", "evaluator", "side", "state", "conflict_type", "assigned_at"]
    list_filter = ["side", "state"]
    search_fields = ["evaluation__proposal__number", "evaluator__last_name"]
    list_select_related = ["evaluation__proposal", "evaluation__side", "evaluator", "side"]

    def visible(self, user):
        return selectors.assignments_for_user(user)


@admin.register(Review)
class ReviewAdmin(WalledAdmin):
    list_display = ["assignment", "state", "confidence", "submitted_at"]
    list_filter = ["state"]
    search_fields = ["assignment__evaluation__proposal__number"]
    list_select_related = [
        "assignment__evaluator",
        "assignment__evaluation__proposal",
        "assignment__evaluation__side",
    ]

    def visible(self, user):
        return selectors.reviews_for_user(user)


@admin.register(ReviewScore)
class ReviewScoreAdmin(WalledAdmin):
    list_display = ["review", "criterion", "score"]
    search_fields = ["review__assignment__evaluation__proposal__number"]
    list_select_related = [
        "criterion",
        "review__assignment__evaluator",
        "review__assignment__evaluation__proposal",
    ]

    def visible(self, user):
        return ReviewScore.objects.filter(review__in=selectors.reviews_for_user(user).values("pk"))


@admin.register(Consensus)
class ConsensusAdmin(WalledAdmin):
    list_display = ["evaluation", "state", "total", "weighted_total", "passes_thresholds"]
    list_filter = ["state", "passes_thresholds"]
    search_fields = ["evaluation__proposal__number"]
    list_select_related = ["evaluation__proposal", "evaluation__side"]

    def visible(self, user):
        return selectors.consensus_for_user(user)


@admin.register(ConsensusScore)
class ConsensusScoreAdmin(WalledAdmin):
    list_display = ["consensus", "criterion", "score", "passes"]
    search_fields = ["consensus__evaluation__proposal__number"]
    list_select_related = ["criterion", "consensus__evaluation__proposal", "consensus__evaluation__side"]

    def visible(self, user):
        return ConsensusScore.objects.filter(consensus__in=selectors.consensus_for_user(user).values("pk"))


@admin.register(SelectionList)
class SelectionListAdmin(WalledAdmin):
    list_display = ["call", "revision", "effective_at"]
    search_fields = ["call__identifier"]
    list_select_related = ["call"]

    def visible(self, user):
        return selectors.selection_lists_for_user(user)


@admin.register(SelectionEntry)
class SelectionEntryAdmin(WalledAdmin):
    list_display = ["selection", "proposal", "outcome", "updated_at"]
    list_filter = ["outcome"]
    search_fields = ["proposal__number"]
    list_select_related = ["selection__call", "proposal"]

    def visible(self, user):
        return SelectionEntry.objects.filter(
            selection__in=selectors.selection_lists_for_user(user).values("pk")
        )


@admin.register(FundingDecision)
class FundingDecisionAdmin(WalledAdmin):
    list_display = ["call", "proposal", "partner", "side", "amount_minor", "decided_at"]
    list_filter = ["side"]
    search_fields = ["proposal__number", "partner__organisation__name"]
    list_select_related = ["call", "proposal", "partner__organisation", "side"]

    def visible(self, user):
        return selectors.funding_decisions_for_user(user)


@admin.register(ReviewRequest)
class ReviewRequestAdmin(WalledAdmin):
    list_display = ["proposal", "side", "state", "requested_at", "answered_at"]
    list_filter = ["side", "state"]
    search_fields = ["proposal__number"]
    list_select_related = ["proposal", "side"]

    def visible(self, user):
        return selectors.review_requests_for_user(user)
