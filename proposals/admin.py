"""Admin for proposals: read-only views of the records (every write goes through the services, and
the state only through its transition). Annex files are not offered here: the only way to a file is
the permission-checked, audited download view, which the admin links to."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Annex, ConsortiumMember, LateSubmissionException, Partner, Proposal, Submission


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PartnerInline(admin.TabularInline):
    model = Partner
    fields = ["organisation", "side", "country", "pi_name", "pi_email", "role", "requested_minor", "erad_id"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MemberInline(admin.TabularInline):
    model = ConsortiumMember
    fields = ["user", "side", "role", "invited_email", "joined_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["number", "acronym", "call", "state", "submitted_version", "updated_at"]
    list_filter = ["state", "call"]
    search_fields = ["number", "acronym", "title"]
    list_select_related = ["call"]
    exclude = ["abstract"]
    inlines = [MemberInline, PartnerInline]


@admin.register(ConsortiumMember)
class ConsortiumMemberAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "user", "side", "role", "invited_email", "joined_at"]
    list_filter = ["side", "role"]
    search_fields = ["proposal__number", "user__email", "invited_email"]
    list_select_related = ["proposal", "user", "side"]
    exclude = ["invitation_token"]


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "organisation", "side", "country", "pi_name", "pi_email", "requested_minor"]
    list_filter = ["side", "country", "role"]
    search_fields = ["proposal__number", "organisation__name", "pi_name", "pi_email", "erad_id"]
    list_select_related = ["proposal", "organisation", "side"]


@admin.register(Annex)
class AnnexAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "proposal",
        "kind",
        "pages",
        "size",
        "sha256",
        "uploaded_at",
        "removed_at",
    ]
    list_filter = ["kind"]
    search_fields = ["proposal__number", "original_name", "sha256"]
    list_select_related = ["proposal"]
    exclude = ["file"]
    readonly_fields = ["download"]

    @admin.display(description=_("file"))
    def download(self, annex):
        url = reverse("proposals:annex_download", args=[annex.proposal_id, annex.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download (only if you may see the proposal)"))


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "version", "submitted_at", "submitted_by", "sha256", "late_exception"]
    search_fields = ["proposal__number", "sha256"]
    list_select_related = ["proposal", "submitted_by"]
    exclude = ["snapshot"]


@admin.register(LateSubmissionException)
class LateSubmissionExceptionAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "reason", "expires_at", "requested_by", "approved_at"]
    list_filter = ["approved_at"]
    search_fields = ["proposal__number", "reason"]
    list_select_related = ["proposal", "requested_by"]
