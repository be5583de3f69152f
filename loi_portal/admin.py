from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import selectors
from .admin_mixins import ConfidentialAdminMixin, ReadOnlyAdminMixin
from .models import Approval, AuditEntry, Organisation, Side, SideRole, User


@admin.register(Side)
class SideAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "authority", "programme", "currency", "time_zone"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "side"]
    list_filter = ["side", "country"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "side", "organisation", "is_staff"]
    list_filter = ["side", "is_staff", "is_active", "groups"]
    list_select_related = ["side", "organisation"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("side", "organisation", "language", "time_zone")}),
    )


@admin.register(SideRole)
class SideRoleAdmin(admin.ModelAdmin):
    list_display = ["side", "role", "group"]


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ["content_type", "object_id", "version", "side", "approved_by", "approved_at"]
    list_filter = ["side", "content_type"]
    readonly_fields = [f.name for f in Approval._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ConfidentialAdminMixin, admin.ModelAdmin):
    """Read-only: the database refuses changes to the audit log anyway. A superuser sees the part of
    their own Side, and only when they are an officer of it."""

    confidential_selector = staticmethod(selectors.audit_entries_for_user)

    def audit_sides(self, obj):
        return obj.visible_to.split(",")

    list_display = ["at", "actor_name", "actor_side", "action", "object_type", "object_repr", "ip_address"]
    list_filter = ["action", "actor_side", "object_type"]
    search_fields = ["actor_name", "object_repr", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- background work (Celery): outbox, queued countdowns, failed jobs --------------------------------

from .models import FailedJob, OutboxMessage, OutboxStatus, ScheduledTask  # noqa: E402
from .notifications import retry_outbox_message  # noqa: E402


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only and without the bodies: a body holds live password-set and confirmation links,
    receipts and evaluation summaries, and an editable address or body would let mail be redirected
    or rewritten. Messages are written by ``notify`` alone; a failed one can be queued again."""

    list_display = ["created_at", "event", "to_address", "status", "attempts", "sent_at"]
    list_filter = ["status", "event", "language"]
    search_fields = ["to_address", "event", "subject", "dedupe_key"]
    list_select_related = ["recipient"]
    fields = [
        "created_at",
        "event",
        "recipient",
        "to_address",
        "language",
        "subject",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "dedupe_key",
    ]
    readonly_fields = fields
    actions = ["retry_failed"]

    @admin.action(description=_("Queue the failed messages again"))
    def retry_failed(self, request, queryset):
        failed = list(queryset.filter(status=OutboxStatus.FAILED))
        for message in failed:
            retry_outbox_message(message, by=request.user)
        count = len(failed)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed message queued again.", "%(count)d failed messages queued again.", count
            )
            % {"count": count},
        )


@admin.register(ScheduledTask)
class ScheduledTaskAdmin(admin.ModelAdmin):
    list_display = ["task_name", "object_id", "eta", "queued_at", "done_at"]
    list_filter = ["task_name"]
    search_fields = ["task_id", "object_id"]


@admin.register(FailedJob)
class FailedJobAdmin(admin.ModelAdmin):
    list_display = ["failed_at", "task_name", "task_id", "exception"]
    list_filter = ["task_name"]
    search_fields = ["task_name", "task_id", "exception"]


from . import governance_admin  # noqa: E402, F401 - registers the governance records' admins
