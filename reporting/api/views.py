"""REST API of reporting: projects, periodic reports (+ submit), assessments, export jobs.

Querysets come from the selectors (hidden = 404); each action maps to a predicate; writes go through
the services, whose Django ValidationErrors become 400 JSON naming the field."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from loi_portal.api.permissions import PredicateViewSetMixin
from loi_portal.downloads import pdf_attachment
from proposals.annexes import too_large_message, use_annex_upload_handler

from .. import permissions, selectors, services
from ..models import Assessment, ExchangeRate
from .serializers import (
    AssessmentCreateSerializer,
    AssessmentSerializer,
    ExchangeRateSerializer,
    ExportJobCreateSerializer,
    ExportJobSerializer,
    PeriodicReportDetailSerializer,
    PeriodicReportSerializer,
    ProjectCreateSerializer,
    ProjectSensitivitySerializer,
    ProjectSerializer,
    ReportActivitySerializer,
    ReportAttachmentSerializer,
    ReportAttachmentUploadSerializer,
    ReportResultSerializer,
    ReportUpdateSerializer,
)


class ProjectViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ProjectSerializer
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,
        "sensitivity": permissions.can_change_project,
    }
    filterset_fields = ["sensitivity", "proposal__call"]
    search_fields = ["acronym", "title"]
    ordering_fields = ["start_date", "acronym"]

    def get_queryset(self):
        return selectors.projects_for_user(self.request.user).order_by("start_date", "acronym", "pk")

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectSerializer})
    def create(self, request):
        """Officers turn a selected, funded proposal into a project."""
        data = ProjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = get_object_or_404(
            selectors.selectable_proposals_for_user(request.user), pk=data.validated_data["proposal"]
        )
        if not permissions.can_create_project(request.user, proposal):
            raise PermissionDenied
        project = services.create_project(
            proposal,
            by=request.user,
            start_date=data.validated_data["start_date"],
            duration_months=data.validated_data["duration_months"],
        )
        project = self.get_queryset().get(pk=project.pk)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProjectSensitivitySerializer, responses={200: ProjectSerializer})
    @action(detail=True, methods=["post"])
    def sensitivity(self, request, pk=None):
        project = self.get_object()
        data = ProjectSensitivitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_project_sensitivity(project, data.validated_data["sensitivity"], by=request.user)
        return Response(ProjectSerializer(project).data)


class PeriodicReportViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    permission_map = {
        "list": None,
        "retrieve": None,
        "partial_update": permissions.can_edit_report,
        "submit": permissions.can_submit_report,
        "results": permissions.can_edit_report,
        "activities": permissions.can_edit_report,
        "remove_result": permissions.can_edit_report,
        "remove_activity": permissions.can_edit_report,
    }
    filterset_fields = ["project", "state", "kind"]
    ordering_fields = ["due_at", "number"]

    def get_queryset(self):
        qs = selectors.reports_for_user(self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("results", "activities")
        return qs

    def get_serializer_class(self):
        return PeriodicReportDetailSerializer if self.action == "retrieve" else PeriodicReportSerializer

    @extend_schema(request=ReportUpdateSerializer, responses={200: PeriodicReportSerializer})
    def partial_update(self, request, pk=None):
        report = self.get_object()
        data = ReportUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        lock_version = fields.pop("lock_version")
        report = services.update_report(report, by=request.user, lock_version=lock_version, **fields)
        return Response(PeriodicReportSerializer(report).data)

    @extend_schema(request=None, responses={200: PeriodicReportSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Freeze the report as an immutable version (snapshot and SHA-256)."""
        report = self.get_object()
        services.submit_report(report, by=request.user)
        return Response(PeriodicReportSerializer(self.get_queryset().get(pk=report.pk)).data)

    @extend_schema(request=ReportResultSerializer, responses={201: ReportResultSerializer})
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None):
        report = self.get_object()
        data = ReportResultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.add_result(report, by=request.user, **data.validated_data)
        return Response(ReportResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReportActivitySerializer, responses={201: ReportActivitySerializer})
    @action(detail=True, methods=["post"])
    def activities(self, request, pk=None):
        report = self.get_object()
        data = ReportActivitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = services.add_activity(report, by=request.user, **data.validated_data)
        return Response(ReportActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"results/(?P<result_pk>[0-9]+)")
    def remove_result(self, request, pk=None, result_pk=None):
        report = self.get_object()
        services.remove_result(get_object_or_404(report.results.all(), pk=result_pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"activities/(?P<activity_pk>[0-9]+)")
    def remove_activity(self, request, pk=None, activity_pk=None):
        report = self.get_object()
        services.remove_activity(get_object_or_404(report.activities.all(), pk=activity_pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportAttachmentViewSet(
    PredicateViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """PDF attachments of periodic reports: multipart upload by the coordinators while the report
    is a draft (checked by content, size limit enforced while streaming), download as an attachment."""

    serializer_class = ReportAttachmentSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["report"]
    ordering_fields = ["uploaded_at"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "download": None,
        "create": None,  # checked on the report below
        "destroy": permissions.can_remove_attachment,
    }

    def get_queryset(self):
        return selectors.report_attachments_for_user(self.request.user).order_by(
            "report_id", "uploaded_at", "pk"
        )

    def initialize_request(self, request, *args, **kwargs):
        # The streaming, size-limited upload handler must be in place before anything reads the body.
        if request.method == "POST":
            self._upload_handler = use_annex_upload_handler(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ReportAttachmentUploadSerializer},
        responses={201: ReportAttachmentSerializer},
    )
    def create(self, request, *args, **kwargs):
        handler = getattr(self, "_upload_handler", None)
        if handler is not None and handler.too_large:
            raise ValidationError({"file": [too_large_message()]})
        incoming = ReportAttachmentUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        report = selectors.reports_for_user(request.user).filter(pk=incoming.validated_data["report"]).first()
        if report is None:
            raise ValidationError({"report": ["No such report."]})
        if not permissions.can_edit_report(request.user, report):
            raise PermissionDenied
        attachment = services.add_attachment(report, incoming.validated_data["file"], by=request.user)
        return Response(ReportAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.remove_attachment(instance, by=self.request.user)

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="The PDF file.")})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        return pdf_attachment(attachment.file, attachment.original_name)


class ExchangeRateViewSet(PredicateViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reference EUR/JPY rates: read by officers and observers (the monitoring pages name them),
    recorded by officers."""

    serializer_class = ExchangeRateSerializer
    queryset = ExchangeRate.objects.order_by("-rate_date")
    permission_map = {
        "list": permissions.can_read_exchange_rates,
        "retrieve": permissions.can_read_exchange_rates,
        "create": permissions.can_record_exchange_rate,
    }
    filterset_fields = {"rate_date": ["exact", "gte", "lte"]}
    ordering_fields = ["rate_date"]

    def list(self, request, *args, **kwargs):
        # A list action has no object for the predicate to look at: ask it about the user.
        if not permissions.can_read_exchange_rates(request.user):
            raise PermissionDenied
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        if not permissions.can_record_exchange_rate(request.user):
            raise PermissionDenied
        data = ExchangeRateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rate = services.record_exchange_rate(by=request.user, **data.validated_data)
        return Response(ExchangeRateSerializer(rate).data, status=status.HTTP_201_CREATED)


class AssessmentViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Assessments are the officers' work: other users see an empty list."""

    serializer_class = AssessmentSerializer
    permission_map = {"list": None, "retrieve": None, "create": None}
    filterset_fields = ["report", "rating"]
    ordering_fields = ["assessed_at"]

    def get_queryset(self):
        if not permissions.is_officer(self.request.user):
            return Assessment.objects.none()
        return Assessment.objects.filter(
            report__in=selectors.reports_for_user(self.request.user).values("pk")
        ).select_related("side", "assessed_by")

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentSerializer})
    def create(self, request):
        data = AssessmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = get_object_or_404(selectors.reports_for_user(request.user), pk=data.validated_data["report"])
        if not permissions.is_officer(request.user):
            raise PermissionDenied
        assessment = services.assess_report(
            report,
            by=request.user,
            rating=data.validated_data["rating"],
            comments=data.validated_data["comments"],
        )
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


class ExportJobViewSet(PredicateViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Start an export, follow its progress (``progress`` 0–100, ``status``), download the file."""

    serializer_class = ExportJobSerializer
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,
        "download": permissions.can_download_export,
    }
    filterset_fields = ["kind", "status", "language"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.export_jobs_for_user(self.request.user)

    @extend_schema(request=ExportJobCreateSerializer, responses={202: ExportJobSerializer})
    def create(self, request):
        data = ExportJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not permissions.can_start_export(request.user, data.validated_data["kind"]):
            raise PermissionDenied
        job = services.start_export(
            data.validated_data["kind"], by=request.user, language=data.validated_data["language"]
        )
        return Response(
            ExportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        # DRF's lookup answers 404 for an id that is not a valid key (``abc``), not 500.
        job = generics.get_object_or_404(self.get_queryset(), pk=pk)
        if not job.file:
            raise Http404
        self.check_object_permissions(request, job)
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name or "export")
