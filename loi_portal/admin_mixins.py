"""``ConfidentialAdminMixin``: the admin site shows a confidential record only to a superuser who is
also a member of the record's audience, and records every such view in the audit log.

Any app's admin adopts it by naming the selector that already decides who sees what:

    @admin.register(Proposal)
    class ProposalAdmin(ConfidentialAdminMixin, admin.ModelAdmin):
        confidential_selector = proposals_for_user   # (user) -> queryset

Without a selector the record's own ``sensitivity`` (and ``side``) fields decide: public records to
every superuser, joint records to superusers who are officers of either Side, Side-internal records
to superusers who are officers of that Side, restricted records to nobody (name a selector)."""

from django.contrib.admin.utils import unquote
from django.db.models import Q

from .enums import Sensitivity
from .permissions import can_manage_governance
from .selectors import owner_side_code
from .services import audit


class ConfidentialAdminMixin:
    confidential_selector = None  # a selector ``(user) -> queryset``; see the module docstring

    def audience_queryset(self, request, queryset):
        user = request.user
        if not (user.is_active and user.is_superuser):
            return queryset.none()
        selector = self._inherited_selector()
        if selector is not None:
            return queryset.filter(pk__in=selector(user).values("pk"))
        field_names = {f.name for f in queryset.model._meta.get_fields()}
        if "sensitivity" not in field_names:
            return queryset.none()
        allowed = Q(sensitivity=Sensitivity.PUBLIC)
        if can_manage_governance(user):
            allowed |= Q(sensitivity=Sensitivity.JOINT)
            if "side" in field_names:
                allowed |= Q(sensitivity=Sensitivity.SIDE, side_id=user.side_id)
        return queryset.filter(allowed)

    def _inherited_selector(self):
        for klass in type(self).__mro__:
            selector = klass.__dict__.get("confidential_selector")
            if selector is not None:
                return selector.__func__ if isinstance(selector, staticmethod) else selector
        return None

    def get_queryset(self, request):
        return self.audience_queryset(request, super().get_queryset(request))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def audit_sides(self, obj) -> list[str]:
        """Whose officers may read the audit line: the record's Side when it is Side-internal."""
        side = owner_side_code(obj)
        if getattr(obj, "sensitivity", None) == Sensitivity.SIDE and side:
            return [side]
        return ["EU", "JP"]

    def _audited(self, request, object_id, action):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None:
            audit(action, by=request.user, obj=obj, sides=self.audit_sides(obj), via="admin")
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._audited(request, object_id, "admin.view")
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._audited(request, object_id, "admin.history")
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._audited(request, object_id, "admin.delete_view")
        return super().delete_view(request, object_id, extra_context)


class ReadOnlyAdminMixin:
    """Records whose writes go through services: the admin shows them and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
