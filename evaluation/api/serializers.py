"""Serializers of the evaluation API. They read only what the selectors fetched; writes are plain
input serializers handed to the services."""

from rest_framework import serializers

from proposals.models import Partner

from ..enums import Confidence, SelectionOutcome
from ..models import (
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
from ..selectors import fundable_partners_for_user

# Ids beyond the database's bigint are refused as a 400 rather than reaching the database.
MAX_ID = 2**63 - 1


class ProposalBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    acronym = serializers.CharField()
    title = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer):
    proposal = ProposalBriefSerializer(source="evaluation.proposal", read_only=True)
    side = serializers.CharField(source="side.code", read_only=True)
    evaluator_name = serializers.CharField(source="evaluator.get_full_name", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "evaluation",
            "proposal",
            "side",
            "evaluator",
            "evaluator_name",
            "state",
            "conflict_type",
            "declared_at",
            "assigned_at",
        ]
        read_only_fields = fields


class ProposalEvaluationSerializer(serializers.ModelSerializer):
    """One row of a Side's eligibility list (the selector's counts stay inside the Side)."""

    proposal = ProposalBriefSerializer(read_only=True)
    call = serializers.IntegerField(source="proposal.call_id", read_only=True)
    side = serializers.CharField(source="side.code", read_only=True)
    open_assignments = serializers.IntegerField(read_only=True)
    submitted_reviews = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProposalEvaluation
        fields = [
            "id",
            "call",
            "proposal",
            "side",
            "eligible",
            "ineligibility_reason",
            "eligibility_decided_at",
            "reviewers_see_each_other",
            "rapporteur",
            "open_assignments",
            "submitted_reviews",
        ]
        read_only_fields = fields


class EligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    reason = serializers.CharField(
        allow_blank=True, required=False, default="", help_text="Required when ineligible."
    )


class RapporteurSerializer(serializers.Serializer):
    rapporteur = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=MAX_ID, help_text="A user id, or null to name nobody."
    )


class CoReviewVisibilitySerializer(serializers.Serializer):
    visible = serializers.BooleanField(help_text="Reviewers who submitted see each other's reviews.")


class AssignmentCreateSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    evaluator = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class DeclareConflictSerializer(serializers.Serializer):
    conflict_type = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.CharField(source="criterion.code", read_only=True)
    score = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True, read_only=True)
    comment = serializers.CharField(read_only=True)


class ReviewScoreSerializer(ScoreSerializer):
    class Meta:
        model = ReviewScore


class ReviewSerializer(serializers.ModelSerializer):
    assignment = serializers.IntegerField(source="assignment_id", read_only=True)
    proposal = serializers.IntegerField(source="assignment.evaluation.proposal_id", read_only=True)
    scores = ScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "assignment",
            "proposal",
            "state",
            "overall_comment",
            "confidence",
            "scores",
            "submitted_at",
        ]
        read_only_fields = fields


class ScoreInputSerializer(serializers.Serializer):
    score = serializers.CharField(allow_null=True, allow_blank=True, required=False)
    comment = serializers.CharField(allow_blank=True, required=False)


class ReviewWriteSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    scores = serializers.DictField(
        child=ScoreInputSerializer(), required=False, help_text="By criterion code."
    )
    overall_comment = serializers.CharField(allow_blank=True, required=False)
    confidence = serializers.ChoiceField(choices=Confidence.choices, allow_blank=True, required=False)


class ConsensusScoreSerializer(ScoreSerializer):
    passes = serializers.BooleanField(allow_null=True, read_only=True)

    class Meta:
        model = ConsensusScore


class ConsensusSerializer(serializers.ModelSerializer):
    proposal = ProposalBriefSerializer(source="evaluation.proposal", read_only=True)
    side = serializers.CharField(source="evaluation.side.code", read_only=True)
    scores = ConsensusScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Consensus
        fields = [
            "id",
            "evaluation",
            "proposal",
            "side",
            "state",
            "scores",
            "overall_comment",
            "majority_view",
            "minority_view",
            "total",
            "weighted_total",
            "passes_thresholds",
            "finalised_at",
            "lock_version",
        ]
        read_only_fields = fields


class ConsensusWriteSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    lock_version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_ID,
        help_text="The consensus's lock_version the client loaded, 0 when it had none yet (409 when stale).",
    )
    scores = serializers.DictField(
        child=ScoreInputSerializer(), required=False, help_text="By criterion code."
    )
    overall_comment = serializers.CharField(allow_blank=True, required=False)
    majority_view = serializers.CharField(allow_blank=True, required=False)
    minority_view = serializers.CharField(allow_blank=True, required=False)


class CallEvaluationSerializer(serializers.ModelSerializer):
    call = serializers.IntegerField(source="call_id", read_only=True)
    call_identifier = serializers.CharField(source="call.identifier", read_only=True)
    side = serializers.CharField(source="side.code", read_only=True)

    class Meta:
        model = CallEvaluation
        fields = ["id", "call", "call_identifier", "side", "released_at"]
        read_only_fields = fields


class RankingRowSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    proposal = ProposalBriefSerializer()
    passes = serializers.BooleanField()
    total = serializers.DecimalField(source="consensus.total", max_digits=7, decimal_places=2)
    weighted_total = serializers.DecimalField(
        source="consensus.weighted_total", max_digits=9, decimal_places=3
    )
    scores = serializers.SerializerMethodField()

    def get_scores(self, row) -> dict[str, str | None]:
        return {s.criterion.code: (str(s.score) if s.score is not None else None) for s in row["scores"] if s}


class RankingSerializer(CallEvaluationSerializer):
    rows = serializers.SerializerMethodField()

    class Meta(CallEvaluationSerializer.Meta):
        fields = [*CallEvaluationSerializer.Meta.fields, "rows"]
        read_only_fields = fields

    def get_rows(self, obj) -> list[dict]:
        return RankingRowSerializer(self.context["rows"], many=True).data


class SelectionEntrySerializer(serializers.ModelSerializer):
    proposal = ProposalBriefSerializer(read_only=True)

    class Meta:
        model = SelectionEntry
        fields = ["id", "proposal", "outcome", "note", "updated_at"]
        read_only_fields = fields


class SelectionListSerializer(serializers.ModelSerializer):
    entries = SelectionEntrySerializer(many=True, read_only=True)
    version = serializers.SerializerMethodField()
    approved_sides = serializers.SerializerMethodField()
    in_effect = serializers.SerializerMethodField()

    class Meta:
        model = SelectionList
        fields = ["id", "call", "entries", "version", "approved_sides", "in_effect", "effective_at"]
        read_only_fields = fields

    def _state(self, obj) -> dict:
        from ..services import selection_state

        cache = self.context.setdefault("_states", {})
        if obj.pk not in cache:
            cache[obj.pk] = selection_state(obj)
        return cache[obj.pk]

    def get_version(self, obj) -> str:
        return self._state(obj)["hash"]

    def get_approved_sides(self, obj) -> list[str]:
        return sorted(self._state(obj)["approved_sides"])

    def get_in_effect(self, obj) -> bool:
        return self._state(obj)["in_effect"]


class RecordOutcomeSerializer(serializers.Serializer):
    entry = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    outcome = serializers.ChoiceField(choices=SelectionOutcome.choices, allow_blank=True)
    note = serializers.CharField(allow_blank=True, required=False)


class ApproveSelectionSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="The list's version (hash) the officer reviewed.")


class FundingDecisionSerializer(serializers.ModelSerializer):
    # Not unique here: posting again for the same participant changes the decision. Looked up only
    # among the caller's fundable participants (set from the request below), so that another Side's
    # or a hidden proposal's partner gets the same answer as an id that does not exist.
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.none())
    side = serializers.CharField(source="side.code", read_only=True)
    currency = serializers.CharField(source="side.currency", read_only=True)

    class Meta:
        model = FundingDecision
        fields = [
            "id",
            "call",
            "proposal",
            "partner",
            "side",
            "currency",
            "amount_minor",
            "note",
            "decided_at",
        ]
        read_only_fields = ["id", "call", "proposal", "side", "currency", "decided_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["partner"].queryset = fundable_partners_for_user(request.user)


class ReviewRequestSerializer(serializers.ModelSerializer):
    side = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ReviewRequest
        fields = ["id", "proposal", "side", "text", "state", "answer", "requested_at", "answered_at"]
        read_only_fields = fields


class ReviewRequestCreateSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    side = serializers.ChoiceField(choices=[("EU", "EU"), ("JP", "JP")])
    text = serializers.CharField()


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()
