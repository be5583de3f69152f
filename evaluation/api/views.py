"""REST API of the evaluation: the same services and walls as the pages. Querysets come from the
selectors, so anything behind a wall is a 404; every action maps to a predicate."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from loi_portal.api.permissions import PredicateViewSetMixin
from loi_portal.enums import SideCode
from loi_portal.models import Side, User

from .. import permissions as perms
from .. import selectors, services
from ..models import Assignment, Consensus, FundingDecision, ProposalEvaluation, Review
from .serializers import (
    AnswerSerializer,
    ApproveSelectionSerializer,
    AssignmentCreateSerializer,
    AssignmentSerializer,
    CallEvaluationSerializer,
    ConsensusSerializer,
    ConsensusWriteSerializer,
    CoReviewVisibilitySerializer,
    DeclareConflictSerializer,
    EligibilitySerializer,
    FundingDecisionSerializer,
    ProposalEvaluationSerializer,
    RankingSerializer,
    RapporteurSerializer,
    RecordOutcomeSerializer,
    ReviewRequestCreateSerializer,
    ReviewRequestSerializer,
    ReviewSerializer,
    ReviewWriteSerializer,
    SelectionListSerializer,
)


class ProposalEvaluationFilter(django_filters.FilterSet):
    call = django_filters.NumberFilter(field_name="proposal__call_id")
    proposal = django_filters.NumberFilter(field_name="proposal_id")

    class Meta:
        model = ProposalEvaluation
        fields = ["call", "proposal", "eligible"]


class ProposalEvaluationViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The officer's own Side's evaluations of proposals (its eligibility list; the other Side's are
    a 404): eligibility, the rapporteur and whether co-reviewers see each other's reviews."""

    serializer_class = ProposalEvaluationSerializer
    filterset_class = ProposalEvaluationFilter
    ordering_fields = ["proposal", "eligible", "eligibility_decided_at"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "eligibility": perms.can_decide_eligibility,
        "rapporteur": perms.can_name_rapporteur,
        "co_review_visibility": perms.can_set_co_review_visibility,
    }

    def get_queryset(self):
        return selectors.proposal_evaluations_for_user(self.request.user)

    def _answer(self, evaluation):
        return Response(ProposalEvaluationSerializer(self.get_queryset().get(pk=evaluation.pk)).data)

    @extend_schema(request=EligibilitySerializer, responses={200: ProposalEvaluationSerializer})
    @action(detail=True, methods=["post"])
    def eligibility(self, request, pk=None):
        evaluation = self.get_object()
        data = EligibilitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["eligible"]:
            services.declare_eligible(evaluation, by=request.user)
        else:
            services.declare_ineligible(evaluation, by=request.user, reason=data.validated_data["reason"])
        return self._answer(evaluation)

    @extend_schema(request=RapporteurSerializer, responses={200: ProposalEvaluationSerializer})
    @action(detail=True, methods=["post"])
    def rapporteur(self, request, pk=None):
        evaluation = self.get_object()
        data = RapporteurSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rapporteur = None
        if data.validated_data["rapporteur"] is not None:
            rapporteur = User.objects.filter(pk=data.validated_data["rapporteur"]).first()
            if rapporteur is None:  # the same answer as for a user who may not be rapporteur here
                raise services.rapporteur_refused()
        services.name_rapporteur(evaluation, rapporteur, by=request.user)
        return self._answer(evaluation)

    @extend_schema(request=CoReviewVisibilitySerializer, responses={200: ProposalEvaluationSerializer})
    @action(detail=True, methods=["post"], url_path="co-review-visibility")
    def co_review_visibility(self, request, pk=None):
        evaluation = self.get_object()
        data = CoReviewVisibilitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_reviewers_see_each_other(evaluation, data.validated_data["visible"], by=request.user)
        return self._answer(evaluation)


class AssignmentFilter(django_filters.FilterSet):
    call = django_filters.NumberFilter(field_name="evaluation__proposal__call_id")
    proposal = django_filters.NumberFilter(field_name="evaluation__proposal_id")
    state = django_filters.CharFilter(field_name="state")

    class Meta:
        model = Assignment
        fields = ["call", "proposal", "state"]


class AssignmentViewSet(PredicateViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Assignments: an officer's Side's, or the evaluator's own. Create assigns an evaluator of the
    officer's Side; the evaluator declares no conflict or a conflict."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    ordering_fields = ["assigned_at", "state"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,  # the service checks that an officer of the evaluation's Side assigns
        "declare_conflict": perms.can_declare,
        "declare_no_conflict": perms.can_declare_no_conflict,
        "remove": perms.can_remove_assignment,
    }

    def get_queryset(self):
        return selectors.assignments_for_user(self.request.user).order_by("pk")

    @extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer})
    def create(self, request, *args, **kwargs):
        data = AssignmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = (
            selectors.proposal_evaluations_for_user(request.user)
            .filter(pk=data.validated_data["evaluation"])
            .first()
        )
        evaluator = User.objects.filter(pk=data.validated_data["evaluator"]).first()
        if evaluation is None or evaluator is None:
            raise NotFound
        assignment = services.assign_evaluator(evaluation, evaluator, by=request.user)
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeclareConflictSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"], url_path="declare-conflict")
    def declare_conflict(self, request, pk=None):
        assignment = self.get_object()
        data = DeclareConflictSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.declare_conflict(assignment, by=request.user, **data.validated_data)
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"], url_path="declare-no-conflict")
    def declare_no_conflict(self, request, pk=None):
        assignment = services.declare_no_conflict(self.get_object(), by=request.user)
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """An officer of the Side ends the assignment; the evaluator no longer sees the proposal."""
        assignment = services.remove_assignment(self.get_object(), by=request.user)
        return Response(AssignmentSerializer(assignment).data)


class ReviewFilter(django_filters.FilterSet):
    proposal = django_filters.NumberFilter(field_name="assignment__evaluation__proposal_id")

    class Meta:
        model = Review
        fields = ["state", "proposal"]


class ReviewViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Reviews the caller may read. POST saves the evaluator's draft for an assignment; PATCH changes
    it; submit makes it final."""

    serializer_class = ReviewSerializer
    ordering_fields = ["submitted_at"]
    filterset_class = ReviewFilter
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,  # the service checks the assignment is the caller's and active
        "partial_update": perms.can_edit_review,
        "submit": perms.can_submit_review,
    }

    def get_queryset(self):
        return selectors.reviews_for_user(self.request.user).order_by("pk")

    def _save(self, assignment, data):
        return services.save_review(
            assignment,
            by=self.request.user,
            scores=data.get("scores"),
            overall_comment=data.get("overall_comment"),
            confidence=data.get("confidence"),
        )

    @extend_schema(request=ReviewWriteSerializer, responses={201: ReviewSerializer})
    def create(self, request, *args, **kwargs):
        data = ReviewWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = Assignment.objects.filter(
            pk=data.validated_data.get("assignment"), evaluator=request.user
        ).first()
        if assignment is None:
            raise NotFound
        review = self._save(assignment, data.validated_data)
        return Response(ReviewSerializer(self._reload(review)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReviewWriteSerializer, responses={200: ReviewSerializer})
    def partial_update(self, request, *args, **kwargs):
        review = self.get_object()
        data = ReviewWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        review = self._save(review.assignment, data.validated_data)
        return Response(ReviewSerializer(self._reload(review)).data)

    @extend_schema(request=None, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        review = services.submit_review(self.get_object(), by=request.user)
        return Response(ReviewSerializer(self._reload(review)).data)

    def _reload(self, review):
        return (
            Review.objects.prefetch_related("scores__criterion")
            .select_related("assignment__evaluation")
            .get(pk=review.pk)
        )


class ConsensusFilter(django_filters.FilterSet):
    proposal = django_filters.NumberFilter(field_name="evaluation__proposal_id")
    side = django_filters.ChoiceFilter(field_name="evaluation__side__code", choices=SideCode.choices)

    class Meta:
        model = Consensus
        fields = ["state", "proposal", "side", "passes_thresholds"]


class ConsensusViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Consensus reports: the Side's officers and rapporteur; the other Side's officers once released.
    POST records (or changes) the consensus of an evaluation; finalise makes it final."""

    serializer_class = ConsensusSerializer
    filterset_class = ConsensusFilter
    ordering_fields = ["weighted_total", "finalised_at"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,  # the service checks can_write_consensus
        "finalise": perms.can_finalise_consensus,
        "reopen": perms.can_reopen_consensus,
    }

    def get_queryset(self):
        return selectors.consensus_for_user(self.request.user).order_by("pk")

    @extend_schema(
        request=ConsensusWriteSerializer,
        responses={
            200: ConsensusSerializer,
            409: OpenApiResponse(description="Saved meanwhile by someone else: reload, compare, send again."),
        },
    )
    def create(self, request, *args, **kwargs):
        data = ConsensusWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        from ..models import ProposalEvaluation

        evaluation = (
            ProposalEvaluation.objects.select_related("call_evaluation")
            .filter(pk=data.validated_data.get("evaluation"), side_id=request.user.side_id)
            .first()
            if request.user.side_id
            else None
        )
        if evaluation is None or not perms.can_write_consensus(request.user, evaluation):
            raise NotFound
        values = dict(data.validated_data)
        values.pop("evaluation", None)
        try:
            consensus = services.save_consensus(evaluation, by=request.user, **values)
        except services.EditConflict as exc:
            # The proposals API's body, with the version as a number (an APIException's detail
            # would turn it into a string).
            return Response(
                {"lock_version": [str(exc)], "current_lock_version": exc.current_version},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(ConsensusSerializer(self._reload(consensus)).data)

    @extend_schema(request=None, responses={200: ConsensusSerializer})
    @action(detail=True, methods=["post"])
    def finalise(self, request, pk=None):
        consensus = services.finalise_consensus(self.get_object(), by=request.user)
        return Response(ConsensusSerializer(self._reload(consensus)).data)

    @extend_schema(request=None, responses={200: ConsensusSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """An officer of the Side makes a final consensus a draft again, until the Side released."""
        consensus = services.reopen_consensus(self.get_object(), by=request.user)
        return Response(ConsensusSerializer(self._reload(consensus)).data)

    def _reload(self, consensus):
        return (
            Consensus.objects.select_related("evaluation__proposal", "evaluation__side")
            .prefetch_related("scores__criterion")
            .get(pk=consensus.pk)
        )


class RankingViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Each Side's ranked list of a call: its own officers always, the other Side's once released."""

    serializer_class = CallEvaluationSerializer
    permission_map = {"list": None, "retrieve": perms.can_view_ranking, "release": perms.can_release}
    filterset_fields = ["call", "side__code"]
    ordering_fields = ["call", "side__code", "released_at"]

    def get_queryset(self):
        return selectors.call_evaluations_for_user(self.request.user)

    @extend_schema(responses={200: RankingSerializer})
    def retrieve(self, request, *args, **kwargs):
        call_evaluation = self.get_object()
        rows = selectors.ranking_for_user(request.user, call_evaluation)
        return Response(RankingSerializer(call_evaluation, context={"rows": rows}).data)

    @extend_schema(request=None, responses={200: CallEvaluationSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        call_evaluation = services.release_consensus(self.get_object(), by=request.user)
        return Response(CallEvaluationSerializer(call_evaluation).data)


class SelectionViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The joint selection lists (both Sides' officers, once both released)."""

    serializer_class = SelectionListSerializer
    filterset_fields = ["call"]
    ordering_fields = ["call", "effective_at", "updated_at"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "record": perms.can_record_selection,
        "approve": perms.can_approve_selection,
    }

    def get_queryset(self):
        # Ordered, so that the list's pages are stable (an unordered page is a warning, an error here).
        return (
            selectors.selection_lists_for_user(self.request.user)
            .prefetch_related("entries__proposal")
            .order_by("call__deadline", "pk")
        )

    @extend_schema(request=RecordOutcomeSerializer, responses={200: SelectionListSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        selection = self.get_object()
        data = RecordOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = selection.entries.filter(pk=data.validated_data["entry"]).first()
        if entry is None:
            raise NotFound
        services.record_selection(
            entry, data.validated_data["outcome"], by=request.user, note=data.validated_data.get("note")
        )
        return Response(SelectionListSerializer(self.get_queryset().get(pk=selection.pk)).data)

    @extend_schema(request=ApproveSelectionSerializer, responses={200: SelectionListSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        selection = self.get_object()
        data = ApproveSelectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.approve_selection(selection, by=request.user, version=data.validated_data["version"])
        return Response(SelectionListSerializer(self.get_queryset().get(pk=selection.pk)).data)


class FundingDecisionFilter(django_filters.FilterSet):
    # The Side by its code, as the decisions show it.
    side = django_filters.ChoiceFilter(field_name="side__code", choices=SideCode.choices)

    class Meta:
        model = FundingDecision
        fields = ["call", "proposal", "side"]


class FundingDecisionViewSet(PredicateViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Funding decisions. POST records (or changes) the decision for a participant of the officer's Side."""

    serializer_class = FundingDecisionSerializer
    filterset_class = FundingDecisionFilter
    ordering_fields = ["decided_at", "amount_minor"]
    # Create: the serializer finds the partner only among the caller's fundable participants.
    permission_map = {"list": None, "retrieve": None, "create": None}

    def get_queryset(self):
        return selectors.funding_decisions_for_user(self.request.user)

    def create(self, request, *args, **kwargs):
        data = FundingDecisionSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        partner = data.validated_data["partner"]
        decision = services.record_funding(
            partner,
            data.validated_data["amount_minor"],
            by=request.user,
            note=data.validated_data.get("note", ""),
        )
        decision = FundingDecision.objects.select_related("side").get(pk=decision.pk)
        return Response(FundingDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class ReviewRequestViewSet(PredicateViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Requests for evaluation review: filed by the consortium, answered by the Side concerned."""

    serializer_class = ReviewRequestSerializer
    filterset_fields = ["state", "proposal", "side__code"]
    ordering_fields = ["requested_at", "answered_at", "state"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,  # the service checks membership and the 30 days
        "answer": perms.can_answer_review_request,
    }

    def get_queryset(self):
        return selectors.review_requests_for_user(self.request.user).order_by("-requested_at")

    @extend_schema(request=ReviewRequestCreateSerializer, responses={201: ReviewRequestSerializer})
    def create(self, request, *args, **kwargs):
        data = ReviewRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = (
            selectors.proposals_with_summary_for_user(request.user)
            .filter(pk=data.validated_data["proposal"])
            .first()
        )
        if proposal is None:
            raise NotFound
        review_request = services.file_review_request(
            proposal,
            by=request.user,
            side=Side.objects.get(code=data.validated_data["side"]),
            text=data.validated_data["text"],
        )
        return Response(ReviewRequestSerializer(review_request).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses={200: ReviewRequestSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review_request = services.answer_review_request(
            self.get_object(), by=request.user, answer=data.validated_data["answer"]
        )
        return Response(ReviewRequestSerializer(review_request).data)
