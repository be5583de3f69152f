"""Serializers of the proposals API. Writes go through the services; these only shape data."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calls.models import Topic
from loi_portal.models import Organisation
from loi_portal.money import format_amount
from loi_portal.timezones import BRUSSELS, TOKYO, UTC

from ..enums import AnnexKind, PartnerRole
from ..models import Annex, Partner, Proposal, Submission


class ProposalSerializer(serializers.ModelSerializer):
    topics = serializers.PrimaryKeyRelatedField(many=True, queryset=Topic.objects.all(), required=False)
    call_identifier = serializers.CharField(source="call.identifier", read_only=True)
    lock_version = serializers.IntegerField(required=False)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "call",
            "call_identifier",
            "number",
            "acronym",
            "title",
            "abstract",
            "keywords",
            "topics",
            "state",
            "lock_version",
            "submitted_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["number", "state", "submitted_version", "created_at", "updated_at"]


class ProposalUpdateSerializer(serializers.Serializer):
    """A change of a draft: ``lock_version`` is the version the client loaded (409 when stale)."""

    lock_version = serializers.IntegerField()
    acronym = serializers.CharField(max_length=40, required=False)
    title = serializers.CharField(max_length=300, required=False)
    abstract = serializers.CharField(required=False, allow_blank=True)
    keywords = serializers.CharField(max_length=500, required=False, allow_blank=True)
    topics = serializers.PrimaryKeyRelatedField(many=True, queryset=Topic.objects.all(), required=False)


class PartnerSerializer(serializers.ModelSerializer):
    proposal = serializers.PrimaryKeyRelatedField(queryset=Proposal.objects.all())
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    side = serializers.SlugRelatedField(slug_field="code", read_only=True)
    currency = serializers.CharField(source="side.currency", read_only=True)
    requested_display = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=PartnerRole.choices, required=False)
    lock_version = serializers.IntegerField(
        required=False,
        write_only=True,
        help_text="The proposal's lock_version the client loaded (409 when stale).",
    )

    class Meta:
        model = Partner
        fields = [
            "id",
            "proposal",
            "organisation",
            "side",
            "country",
            "pi_name",
            "pi_email",
            "role",
            "requested_minor",
            "currency",
            "requested_display",
            "erad_id",
            "order",
            "lock_version",
        ]
        extra_kwargs = {"country": {"required": False}}

    @extend_schema_field(serializers.CharField())
    def get_requested_display(self, partner) -> str:
        return format_amount(partner.requested_minor, partner.side.currency)


class AnnexSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Annex
        fields = [
            "id",
            "proposal",
            "kind",
            "original_name",
            "size",
            "pages",
            "sha256",
            "uploaded_at",
            "removed_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, annex) -> str:
        from django.urls import reverse

        return reverse("api:annex-download", args=[annex.pk])


class AnnexUploadSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AnnexKind.choices, default=AnnexKind.TECHNICAL)
    file = serializers.FileField()


class ReceiptSerializer(serializers.Serializer):
    """The receipt of a submission: the same facts the page and the PDF show."""

    proposal_number = serializers.CharField()
    acronym = serializers.CharField()
    version = serializers.IntegerField()
    submitted_at_utc = serializers.DateTimeField(default_timezone=UTC)
    submitted_at_tokyo = serializers.DateTimeField(default_timezone=TOKYO)
    submitted_at_brussels = serializers.DateTimeField(default_timezone=BRUSSELS)
    sha256 = serializers.CharField()
    late = serializers.BooleanField()


class SubmissionSerializer(serializers.ModelSerializer):
    receipt = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["id", "proposal", "version", "submitted_at", "sha256", "snapshot", "receipt"]
        read_only_fields = fields

    @extend_schema_field(ReceiptSerializer)
    def get_receipt(self, submission) -> dict:
        from ..services import receipt_of

        return ReceiptSerializer(receipt_of(submission)).data


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
