"""Admin of the letter's governance records: read-only (writes go through loi_portal.governance),
shown only to superusers in the records' audience, every view audited."""

from django.contrib import admin

from . import selectors
from .admin_mixins import ConfidentialAdminMixin, ReadOnlyAdminMixin
from .governance_models import (
    DisclosurePermission,
    DiscontinuationDecision,
    DiscontinuationNotice,
    Divergence,
    DivergenceLink,
    DivergencePosition,
    LetterOfIntent,
    Signature,
)


class SignatureInline(admin.TabularInline):
    model = Signature
    extra = 0
    can_delete = False
    readonly_fields = ["side", "signatory_name", "signatory_title", "signed_on", "notification_received_on"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LetterOfIntent)
class LetterOfIntentAdmin(ConfidentialAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "signed_on", "signed_at_place", "sensitivity"]
    search_fields = ["title"]
    list_filter = ["sensitivity"]
    inlines = [SignatureInline]


@admin.register(Signature)
class SignatureAdmin(ConfidentialAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["signatory_name", "side", "signed_on", "notification_received_on"]
    list_filter = ["side"]
    search_fields = ["signatory_name"]
    list_select_related = ["side", "letter"]

    @staticmethod
    def confidential_selector(user):
        return Signature.objects.all()  # the signatures of the letter are public


@admin.register(DiscontinuationNotice)
class DiscontinuationNoticeAdmin(ConfidentialAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["side", "given_on", "sensitivity", "recorded_by", "recorded_at"]
    list_filter = ["side", "sensitivity"]
    search_fields = ["text"]
    list_select_related = ["side", "recorded_by"]
    confidential_selector = staticmethod(selectors.discontinuation_notices_for_user)


@admin.register(DiscontinuationDecision)
class DiscontinuationDecisionAdmin(ConfidentialAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["notice", "effective_on", "proposed_by", "agreed_at"]
    list_filter = ["notice__side"]
    search_fields = ["text"]
    list_select_related = ["notice", "notice__side", "proposed_by"]
    confidential_selector = staticmethod(selectors.discontinuation_decisions_for_user)


class DivergenceLinkInline(admin.TabularInline):
    model = DivergenceLink
    extra = 0
    can_delete = False
    readonly_fields = ["content_type", "object_id", "label"]

    def has_add_permission(self, request, obj=None):
        return False


class DivergencePositionInline(admin.StackedInline):
    model = DivergencePosition
    extra = 0
    can_delete = False
    readonly_fields = ["side", "text", "written_by", "updated_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Divergence)
class DivergenceAdmin(ConfidentialAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["subject", "state", "opened_by", "opened_at", "escalated_on", "resolved_on"]
    list_filter = ["state"]
    search_fields = ["subject", "description"]
    list_select_related = ["opened_by"]
    inlines = [DivergenceLinkInline, DivergencePositionInline]
    confidential_selector = staticmethod(selectors.divergences_for_user)


@admin.register(DivergencePosition)
class DivergencePositionAdmin(ConfidentialAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["divergence", "side", "written_by", "updated_at"]
    list_filter = ["side"]
    search_fields = ["divergence__subject", "text"]
    list_select_related = ["divergence", "side", "written_by"]

    @staticmethod
    def confidential_selector(user):
        return DivergencePosition.objects.filter(divergence__in=selectors.divergences_for_user(user))


@admin.register(DisclosurePermission)
class DisclosurePermissionAdmin(ConfidentialAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "what",
        "provided_by",
        "audience",
        "to_side",
        "third_party",
        "permitted_on",
        "recorded_by",
    ]
    list_filter = ["audience", "to_side"]
    search_fields = ["what", "third_party", "permission_text"]
    list_select_related = ["provided_by", "to_side", "recorded_by", "content_type"]
    confidential_selector = staticmethod(selectors.disclosure_permissions_for_user)
