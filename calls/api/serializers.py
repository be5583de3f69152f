from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loi_portal.timezones import BRUSSELS, TOKYO

from ..enums import CallDocumentKind, CallState, OpinionStance
from ..models import (
    Call,
    CallBudget,
    CallDocument,
    Criterion,
    DeadlineChange,
    ExpertOpinion,
    PartnershipPlan,
    PlanSideTerms,
    PlanVersion,
    Topic,
)


class TopicSerializer(serializers.ModelSerializer):
    proposing_side = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Topic
        fields = [
            "id",
            "title",
            "description",
            "challenge",
            "dp_priority",
            "proposing_side",
            "revision",
            "is_agreed",
            "agreed_at",
            "created_at",
        ]
        read_only_fields = ["revision", "is_agreed", "agreed_at", "created_at"]


class TopicUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=255)
    description = serializers.CharField(required=False)
    challenge = serializers.ChoiceField(choices=Topic._meta.get_field("challenge").choices, required=False)
    dp_priority = serializers.CharField(required=False, allow_blank=True, max_length=255)
    revision = serializers.IntegerField(
        required=False, help_text="The revision you edited; a newer one on the server gives 409."
    )


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class OpinionRequestSerializer(serializers.Serializer):
    expert = serializers.IntegerField(help_text="The id of a user holding the expert role (either Side).")


class OpinionSerializer(serializers.ModelSerializer):
    expert_name = serializers.CharField(source="expert.__str__", read_only=True)
    expert_side = serializers.CharField(source="expert.side.code", read_only=True, default=None)

    class Meta:
        model = ExpertOpinion
        fields = [
            "id",
            "topic",
            "expert",
            "expert_name",
            "expert_side",
            "stance",
            "text",
            "requested_at",
            "answered_at",
        ]
        read_only_fields = fields


class OpinionAnswerSerializer(serializers.Serializer):
    stance = serializers.ChoiceField(
        choices=[c for c in OpinionStance.choices if c[0] != OpinionStance.PENDING]
    )
    text = serializers.CharField()


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["code", "name", "name_ja", "order", "threshold", "weight"]


class SideTermsSerializer(serializers.ModelSerializer):
    side = serializers.SlugRelatedField(slug_field="code", read_only=True)
    currency = serializers.CharField(source="side.currency", read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = PlanSideTerms
        fields = [
            "side",
            "currency",
            "funding_minor",
            "overall_threshold",
            "scale_min",
            "scale_max",
            "scale_step",
            "conflict_types",
            "criteria",
        ]


class PlanVersionSerializer(serializers.ModelSerializer):
    terms = SideTermsSerializer(source="side_terms", many=True, read_only=True)
    approved_by_sides = serializers.SerializerMethodField()

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "plan",
            "number",
            "evaluation_procedure",
            "selection_procedure",
            "timeline",
            "reporting_cycle_months",
            "final_report",
            "progress_assessment",
            "terms",
            "created_at",
            "in_force_since",
            "approved_by_sides",
        ]

    def get_approved_by_sides(self, version) -> list[str]:
        approvals = getattr(version, "approval_list", None)
        if approvals is None:
            from loi_portal.services import approvals_of

            approvals = approvals_of(version)
        return sorted({a.side.code for a in approvals if a.version == str(version.number)})


class PlanSerializer(serializers.ModelSerializer):
    version_numbers = serializers.SerializerMethodField()
    in_force_versions = serializers.SerializerMethodField()

    class Meta:
        model = PartnershipPlan
        fields = ["id", "name", "created_at", "version_numbers", "in_force_versions"]

    def get_version_numbers(self, plan) -> list[int]:
        return [v.number for v in plan.versions.all()]

    def get_in_force_versions(self, plan) -> list[int]:
        return [v.number for v in plan.versions.all() if v.in_force_since]


class CriterionInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=255)
    name_ja = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    threshold = serializers.DecimalField(max_digits=4, decimal_places=1)
    weight = serializers.DecimalField(max_digits=4, decimal_places=2, default="1")


class SideTermsInputSerializer(serializers.Serializer):
    funding_minor = serializers.IntegerField(
        min_value=0, help_text="In the Side's minor unit (EUR cents, yen)."
    )
    overall_threshold = serializers.DecimalField(max_digits=5, decimal_places=2)
    scale_min = serializers.DecimalField(max_digits=4, decimal_places=1, default="0")
    scale_max = serializers.DecimalField(max_digits=4, decimal_places=1, default="5")
    scale_step = serializers.DecimalField(max_digits=3, decimal_places=2, default="0.5")
    criteria = CriterionInputSerializer(many=True, help_text="In tie-break order.")


class TermsInputSerializer(serializers.Serializer):
    EU = SideTermsInputSerializer()
    JP = SideTermsInputSerializer()


class MilestoneSerializer(serializers.Serializer):
    name = serializers.CharField()
    date = serializers.DateField()


class PlanVersionInputSerializer(serializers.Serializer):
    evaluation_procedure = serializers.CharField()
    selection_procedure = serializers.CharField()
    timeline = MilestoneSerializer(many=True, required=False, default=list)
    reporting_cycle_months = serializers.IntegerField(min_value=1, default=12)
    final_report = serializers.BooleanField(default=True)
    progress_assessment = serializers.CharField(required=False, allow_blank=True, default="")
    terms = TermsInputSerializer()


class PlanCreateSerializer(PlanVersionInputSerializer):
    name = serializers.CharField(max_length=255)


class CallBudgetSerializer(serializers.ModelSerializer):
    side = serializers.SlugRelatedField(slug_field="code", read_only=True)
    currency = serializers.CharField(source="side.currency", read_only=True)

    class Meta:
        model = CallBudget
        fields = ["side", "currency", "cap_minor", "per_proposal_cap_minor"]


class CallTopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "title", "description", "challenge"]


class CallDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CallDocument
        fields = [
            "id",
            "call",
            "title",
            "kind",
            "original_name",
            "size",
            "pages",
            "sha256",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, document) -> str:
        return reverse("api:call-document-download", args=[document.pk])


class CallDocumentUploadSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    title = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(choices=CallDocumentKind.choices, default=CallDocumentKind.GUIDE)
    file = serializers.FileField()


class CallSerializer(serializers.ModelSerializer):
    """A call; every instant in UTC, plus the deadline and opening in Tokyo and Brussels time."""

    topics = CallTopicSerializer(many=True, read_only=True)
    budgets = CallBudgetSerializer(many=True, read_only=True)
    documents = CallDocumentSerializer(many=True, read_only=True)
    deadline_utc = serializers.SerializerMethodField()
    deadline_tokyo = serializers.SerializerMethodField()
    deadline_brussels = serializers.SerializerMethodField()
    opens_at_tokyo = serializers.SerializerMethodField()
    opens_at_brussels = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "identifier",
            "title",
            "description",
            "state",
            "topics",
            "plan_version",
            "opens_at",
            "opens_at_tokyo",
            "opens_at_brussels",
            "deadline",
            "deadline_utc",
            "deadline_tokyo",
            "deadline_brussels",
            "budgets",
            "documents",
            "page_limit",
            "min_participants_per_side",
            "text_revision",
            "published_at",
        ]

    def get_deadline_utc(self, call) -> str:
        import datetime as dt

        return call.deadline.astimezone(dt.UTC).isoformat()

    def get_deadline_tokyo(self, call) -> str:
        return call.deadline.astimezone(TOKYO).isoformat()

    def get_deadline_brussels(self, call) -> str:
        return call.deadline.astimezone(BRUSSELS).isoformat()

    def get_opens_at_tokyo(self, call) -> str:
        return call.opens_at.astimezone(TOKYO).isoformat()

    def get_opens_at_brussels(self, call) -> str:
        return call.opens_at.astimezone(BRUSSELS).isoformat()


class CallWriteSerializer(serializers.Serializer):
    """Instants are ISO 8601 with an offset (e.g. 2027-03-30T17:00:00+02:00); amounts in minor units."""

    title = serializers.CharField(max_length=255)
    identifier = serializers.CharField(max_length=50)
    description = serializers.CharField()
    topics = serializers.PrimaryKeyRelatedField(many=True, queryset=Topic.objects.all())
    plan_version = serializers.PrimaryKeyRelatedField(queryset=PlanVersion.objects.all())
    opens_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    eu_cap_minor = serializers.IntegerField(min_value=0)
    eu_per_proposal_cap_minor = serializers.IntegerField(min_value=0)
    jp_cap_minor = serializers.IntegerField(min_value=0)
    jp_per_proposal_cap_minor = serializers.IntegerField(min_value=0)
    page_limit = serializers.IntegerField(min_value=1, default=30)
    min_participants_per_side = serializers.IntegerField(min_value=1, default=1)
    text_revision = serializers.IntegerField(
        required=False, help_text="The text revision you edited; a newer one on the server gives 409."
    )


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=CallState.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DeadlineChangeRequestSerializer(serializers.Serializer):
    new_deadline = serializers.DateTimeField()
    reason = serializers.CharField()


class DeadlineChangeSerializer(serializers.ModelSerializer):
    approved_by_sides = serializers.SerializerMethodField()

    class Meta:
        model = DeadlineChange
        fields = [
            "id",
            "call",
            "old_deadline",
            "new_deadline",
            "reason",
            "requested_at",
            "applied_at",
            "withdrawn_at",
            "approved_by_sides",
        ]

    def get_approved_by_sides(self, change) -> list[str]:
        from loi_portal.services import approved_sides

        return sorted(approved_sides(change, "1"))


class ApprovalResultSerializer(serializers.Serializer):
    approved_by_sides = serializers.ListField(child=serializers.CharField())
    complete = serializers.BooleanField(help_text="Whether both Sides have now approved.")
