from django.contrib import admin

from .models import (
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by services (frozen versions, assessments, jobs) are read-only here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ["rate_date", "jpy_per_eur", "source", "recorded_by", "recorded_at"]
    search_fields = ["source"]
    date_hierarchy = "rate_date"
    list_select_related = ["recorded_by"]


class ProjectFundingInline(admin.TabularInline):
    model = ProjectFunding
    extra = 0
    can_delete = False
    readonly_fields = ["partner", "side", "amount_minor"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["acronym", "title", "proposal", "start_date", "end_date", "sensitivity"]
    list_filter = ["sensitivity", "proposal__call"]
    search_fields = ["acronym", "title", "proposal__number"]
    list_select_related = ["proposal"]
    readonly_fields = ["proposal", "created_by", "created_at"]
    inlines = [ProjectFundingInline]


@admin.register(ProjectFunding)
class ProjectFundingAdmin(ReadOnlyAdmin):
    list_display = ["project", "partner", "side", "amount_minor"]
    list_filter = ["side"]
    search_fields = ["project__acronym", "partner__organisation__name"]
    list_select_related = ["project", "partner__organisation", "side"]


@admin.register(PeriodicReport)
class PeriodicReportAdmin(ReadOnlyAdmin):
    list_display = [
        "project",
        "number",
        "kind",
        "period_start",
        "period_end",
        "due_at",
        "state",
        "submitted_version",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["project__acronym", "project__title"]
    list_select_related = ["project"]


@admin.register(ReportResult)
class ReportResultAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "co_authored", "report"]
    list_filter = ["kind", "co_authored"]
    search_fields = ["title", "authors", "reference"]
    list_select_related = ["report__project"]


@admin.register(ReportActivity)
class ReportActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "direction", "start_date", "end_date", "report"]
    list_filter = ["kind", "direction"]
    search_fields = ["title", "researcher"]
    list_select_related = ["report__project"]


@admin.register(ReportAttachment)
class ReportAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "report", "size", "sha256", "uploaded_by", "uploaded_at", "removed_at"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["report__project", "uploaded_by"]


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    list_display = ["report", "version", "submitted_at", "submitted_by", "sha256"]
    search_fields = ["sha256", "report__project__acronym"]
    list_select_related = ["report__project", "submitted_by"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["report", "version", "side", "rating", "assessed_by", "assessed_at"]
    list_filter = ["side", "rating"]
    search_fields = ["report__project__acronym", "comments"]
    list_select_related = ["report__project", "side", "assessed_by"]


@admin.register(JointAssessment)
class JointAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["report", "version", "rating", "recorded_at"]
    list_filter = ["rating"]
    search_fields = ["report__project__acronym"]
    list_select_related = ["report__project"]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "kind",
        "language",
        "requested_by",
        "status",
        "progress",
        "created_at",
        "finished_at",
    ]
    list_filter = ["kind", "language", "status"]
    search_fields = ["requested_by__username", "file_name"]
    list_select_related = ["requested_by"]
