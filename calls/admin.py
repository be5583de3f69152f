"""Admin of the calls models. States, revisions and approvals are written only by the services, so
they are read-only here; plan versions are immutable."""

from django.contrib import admin

from .models import (
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the services write (plan versions never change; topic texts, opinions, budgets and
    deadlines change in the portal, which keeps revisions and approvals right)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ExpertOpinionInline(admin.TabularInline):
    model = ExpertOpinion
    extra = 0
    fields = ["expert", "stance", "requested_by", "requested_at", "answered_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ["title", "challenge", "proposing_side", "revision", "is_agreed", "created_at"]
    list_filter = ["is_agreed", "challenge", "proposing_side"]
    search_fields = ["title", "description"]
    list_select_related = ["proposing_side"]
    inlines = [ExpertOpinionInline]


@admin.register(ExpertOpinion)
class ExpertOpinionAdmin(ReadOnlyAdmin):
    list_display = ["topic", "expert", "stance", "requested_at", "answered_at"]
    list_filter = ["stance"]
    search_fields = ["topic__title", "expert__username", "expert__last_name"]
    list_select_related = ["topic", "expert"]


class PlanVersionInline(admin.TabularInline):
    model = PlanVersion
    extra = 0
    fields = ["number", "created_by", "created_at", "in_force_since"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PartnershipPlan)
class PartnershipPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at"]
    search_fields = ["name"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by"]
    inlines = [PlanVersionInline]


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "number", "created_by", "created_at", "in_force_since"]
    list_filter = [("in_force_since", admin.EmptyFieldListFilter)]
    search_fields = ["plan__name"]
    list_select_related = ["plan", "created_by"]


@admin.register(PlanSideTerms)
class PlanSideTermsAdmin(ReadOnlyAdmin):
    list_display = [
        "version",
        "side",
        "funding_minor",
        "overall_threshold",
        "scale_min",
        "scale_max",
        "scale_step",
    ]
    list_filter = ["side"]
    search_fields = ["version__plan__name"]
    list_select_related = ["version__plan", "side"]


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "terms", "order", "threshold", "weight"]
    list_filter = ["terms__side"]
    search_fields = ["name", "code"]
    list_select_related = ["terms__version__plan", "terms__side"]


class CallBudgetInline(admin.TabularInline):
    model = CallBudget
    extra = 0
    readonly_fields = ["side", "cap_minor", "per_proposal_cap_minor"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class DeadlineChangeInline(admin.TabularInline):
    model = DeadlineChange
    extra = 0
    fields = ["old_deadline", "new_deadline", "reason", "requested_by", "applied_at", "withdrawn_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CallDocumentInline(admin.TabularInline):
    model = CallDocument
    extra = 0
    fields = ["title", "kind", "original_name", "pages", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Calls change in the portal (text revisions, approvals, transitions); the admin reads them."""

    list_display = ["identifier", "title", "state", "opens_at", "deadline", "text_revision", "published_at"]
    list_filter = ["state"]
    search_fields = ["identifier", "title"]
    list_select_related = ["plan_version__plan"]
    date_hierarchy = "deadline"
    inlines = [CallBudgetInline, CallDocumentInline, DeadlineChangeInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Call._meta.fields] + ["topics"]

    def has_add_permission(self, request):
        return False


@admin.register(CallBudget)
class CallBudgetAdmin(ReadOnlyAdmin):
    list_display = ["call", "side", "cap_minor", "per_proposal_cap_minor"]
    list_filter = ["side"]
    search_fields = ["call__identifier"]
    list_select_related = ["call", "side"]


@admin.register(DeadlineChange)
class DeadlineChangeAdmin(ReadOnlyAdmin):
    list_display = ["call", "old_deadline", "new_deadline", "requested_by", "requested_at", "applied_at"]
    list_filter = [("applied_at", admin.EmptyFieldListFilter)]
    search_fields = ["call__identifier", "reason"]
    list_select_related = ["call", "requested_by"]


@admin.register(CallDocument)
class CallDocumentAdmin(ReadOnlyAdmin):
    """Documents are added and removed on the call's page, which moves the text revision on."""

    list_display = ["call", "title", "kind", "pages", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["call__identifier", "title", "original_name"]
    list_select_related = ["call", "uploaded_by"]
