"""Serializers of the governance records and the audit log. Reads only what the selectors fetched."""

from django.contrib.contenttypes.models import ContentType
from rest_framework import serializers

from loi_portal.governance_forms import DISCLOSABLE_KINDS, DIVERGENCE_KINDS
from loi_portal.governance_models import (
    DisclosureAudience,
    DisclosurePermission,
    DiscontinuationDecision,
    DiscontinuationNotice,
    Divergence,
    DivergenceLink,
    DivergencePosition,
    LetterOfIntent,
    Signature,
)
from loi_portal.models import AuditEntry, Organisation, Side


class SignatureSerializer(serializers.ModelSerializer):
    side = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Signature
        fields = ["id", "side", "signatory_name", "signatory_title", "signed_on", "notification_received_on"]
        read_only_fields = fields


class LetterSerializer(serializers.ModelSerializer):
    signatures = SignatureSerializer(many=True, read_only=True)
    operational_on = serializers.SerializerMethodField()

    class Meta:
        model = LetterOfIntent
        fields = [
            "id",
            "title",
            "signed_on",
            "signed_at_place",
            "sensitivity",
            "operational_on",
            "signatures",
        ]
        read_only_fields = fields

    def get_operational_on(self, letter) -> str | None:
        day = letter.operational_date(letter.signatures.all())
        return day.isoformat() if day else None


class ReceiptSerializer(serializers.Serializer):
    notification_received_on = serializers.DateField()


class DecisionSerializer(serializers.ModelSerializer):
    proposed_by = serializers.StringRelatedField()

    class Meta:
        model = DiscontinuationDecision
        fields = ["id", "notice", "effective_on", "text", "proposed_by", "proposed_at", "agreed_at"]
        read_only_fields = ["id", "notice", "proposed_by", "proposed_at", "agreed_at"]


class NoticeSerializer(serializers.ModelSerializer):
    side = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recorded_by = serializers.StringRelatedField()
    decisions = DecisionSerializer(many=True, read_only=True)
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = DiscontinuationNotice
        fields = [
            "id",
            "side",
            "given_on",
            "text",
            "sensitivity",
            "has_document",
            "recorded_by",
            "recorded_at",
            "decisions",
        ]
        read_only_fields = ["id", "side", "sensitivity", "recorded_by", "recorded_at", "decisions"]

    def get_has_document(self, notice) -> bool:
        return bool(notice.document)


class LinkSerializer(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()

    class Meta:
        model = DivergenceLink
        fields = ["type", "object_id", "label"]

    def get_type(self, link) -> str:
        return f"{link.content_type.app_label}.{link.content_type.model}"


class LinkInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[kind for kind, _label in DIVERGENCE_KINDS])
    id = serializers.IntegerField(min_value=1)


class PositionSerializer(serializers.ModelSerializer):
    side = serializers.SlugRelatedField(slug_field="code", read_only=True)
    written_by = serializers.StringRelatedField()

    class Meta:
        model = DivergencePosition
        fields = ["side", "text", "written_by", "updated_at"]
        read_only_fields = ["side", "written_by", "updated_at"]


class DivergenceSerializer(serializers.ModelSerializer):
    opened_by = serializers.StringRelatedField()
    links = LinkSerializer(many=True, read_only=True)
    positions = PositionSerializer(many=True, read_only=True)
    linked = LinkInputSerializer(many=True, write_only=True, required=False)
    sensitivity = serializers.CharField(read_only=True)

    class Meta:
        model = Divergence
        fields = [
            "id",
            "subject",
            "description",
            "state",
            "sensitivity",
            "opened_by",
            "opened_at",
            "escalated_on",
            "escalated_to",
            "resolution",
            "resolved_on",
            "links",
            "positions",
            "linked",
        ]
        read_only_fields = [
            "id",
            "state",
            "opened_by",
            "opened_at",
            "escalated_on",
            "escalated_to",
            "resolution",
            "resolved_on",
        ]


class EscalationSerializer(serializers.Serializer):
    escalated_on = serializers.DateField()
    escalated_to = serializers.CharField(max_length=255)


class ResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField()
    resolved_on = serializers.DateField()


class DisclosureSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(choices=[kind for kind, _label in DISCLOSABLE_KINDS], write_only=True)
    subject_type = serializers.SerializerMethodField()
    provided_by = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    to_side = serializers.SlugRelatedField(
        slug_field="code", queryset=Side.objects.all(), required=False, allow_null=True
    )
    audience = serializers.ChoiceField(choices=DisclosureAudience.choices)
    recorded_by = serializers.StringRelatedField()
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = DisclosurePermission
        fields = [
            "id",
            "type",
            "subject_type",
            "object_id",
            "what",
            "provided_by",
            "audience",
            "to_side",
            "third_party",
            "permitted_on",
            "permission_text",
            "has_document",
            "sensitivity",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["id", "sensitivity", "recorded_by", "recorded_at"]
        extra_kwargs = {"what": {"required": False}}

    def get_subject_type(self, permission) -> str:
        ct: ContentType = permission.content_type
        return f"{ct.app_label}.{ct.model}"

    def get_has_document(self, permission) -> bool:
        return bool(permission.document)


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_id",
            "actor_name",
            "actor_side",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "ip_address",
            "details",
        ]
        read_only_fields = fields
