from decimal import Decimal

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..enums import AssessmentRating, ExportKind
from ..models import (
    Assessment,
    ExchangeRate,
    ExportJob,
    JointAssessment,
    PeriodicReport,
    Project,
    ProjectFunding,
    ReportActivity,
    ReportAttachment,
    ReportResult,
    ReportVersion,
)


class ProjectFundingSerializer(serializers.ModelSerializer):
    side = serializers.CharField(source="side.code", read_only=True)
    currency = serializers.CharField(source="side.currency", read_only=True)
    organisation = serializers.CharField(source="partner.organisation.name", read_only=True)

    class Meta:
        model = ProjectFunding
        fields = ["partner", "organisation", "side", "currency", "amount_minor"]


class ProjectSerializer(serializers.ModelSerializer):
    call = serializers.CharField(source="proposal.call.identifier", read_only=True)
    fundings = ProjectFundingSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "proposal",
            "call",
            "acronym",
            "title",
            "start_date",
            "end_date",
            "duration_months",
            "sensitivity",
            "fundings",
            "created_at",
        ]
        read_only_fields = fields


class ProjectCreateSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    start_date = serializers.DateField()
    duration_months = serializers.IntegerField(min_value=1, max_value=120, default=36)


class ProjectSensitivitySerializer(serializers.Serializer):
    sensitivity = serializers.ChoiceField(choices=["public", "joint"])


class ReportResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportResult
        fields = [
            "id",
            "kind",
            "title",
            "authors",
            "reference",
            "year",
            "co_authored",
            "ip_rules",
            "description",
        ]


class ReportActivitySerializer(serializers.ModelSerializer):
    duration_days = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReportActivity
        fields = [
            "id",
            "kind",
            "title",
            "start_date",
            "end_date",
            "duration_days",
            "direction",
            "researcher",
            "description",
        ]


class PeriodicReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = PeriodicReport
        fields = [
            "id",
            "project",
            "number",
            "kind",
            "period_start",
            "period_end",
            "due_at",
            "state",
            "summary",
            "deviations",
            "next_steps",
            "lock_version",
            "submitted_version",
        ]
        read_only_fields = fields


class ReportVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportVersion
        fields = ["version", "submitted_at", "submitted_by", "sha256", "snapshot"]


class PeriodicReportDetailSerializer(PeriodicReportSerializer):
    results = ReportResultSerializer(many=True, read_only=True)
    activities = ReportActivitySerializer(many=True, read_only=True)

    class Meta(PeriodicReportSerializer.Meta):
        fields = [*PeriodicReportSerializer.Meta.fields, "results", "activities"]
        read_only_fields = fields


class ReportUpdateSerializer(serializers.Serializer):
    lock_version = serializers.IntegerField()
    summary = serializers.CharField(required=False, allow_blank=True)
    deviations = serializers.CharField(required=False, allow_blank=True)
    next_steps = serializers.CharField(required=False, allow_blank=True)


class AssessmentSerializer(serializers.ModelSerializer):
    side = serializers.CharField(source="side.code", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "report", "version", "side", "rating", "comments", "assessed_by", "assessed_at"]
        read_only_fields = ["id", "version", "side", "assessed_by", "assessed_at"]
        extra_kwargs = {"report": {"queryset": PeriodicReport.objects.all()}}


class AssessmentCreateSerializer(serializers.Serializer):
    report = serializers.IntegerField()
    rating = serializers.ChoiceField(choices=AssessmentRating.choices)
    comments = serializers.CharField()


class JointAssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = JointAssessment
        fields = ["report", "version", "rating", "recorded_at"]


class ExportJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "language",
            "status",
            "progress",
            "error",
            "file_name",
            "sha256",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if not job.file:
            return None
        request = self.context.get("request")
        from django.urls import reverse

        url = reverse("api:export-job-download", args=[job.pk])
        return request.build_absolute_uri(url) if request else url


class ExportJobCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportKind.choices)
    language = serializers.ChoiceField(choices=[("en", "English"), ("ja", "Japanese")], default="en")


class ReportAttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportAttachment
        fields = ["id", "report", "original_name", "size", "sha256", "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, attachment) -> str:
        return reverse("api:report-attachment-download", args=[attachment.pk])


class ReportAttachmentUploadSerializer(serializers.Serializer):
    report = serializers.IntegerField()
    file = serializers.FileField()


class ExchangeRateSerializer(serializers.ModelSerializer):
    """The reference rate every combined EUR+JPY figure names, with its date."""

    jpy_per_eur = serializers.DecimalField(max_digits=10, decimal_places=4, min_value=Decimal("0.0001"))

    class Meta:
        model = ExchangeRate
        fields = ["id", "rate_date", "jpy_per_eur", "source", "recorded_at"]
        read_only_fields = ["id", "recorded_at"]
        # Recording a date again corrects its rate (the service), rather than being refused.
        extra_kwargs = {"rate_date": {"validators": []}, "source": {"required": False}}
