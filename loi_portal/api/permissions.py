"""Each API action maps to a predicate of the app's permissions.py; an action with no mapping is refused.

class ProposalViewSet(PredicateViewSetMixin, viewsets.ModelViewSet):
    permission_map = {
        "list": None,                      # any signed-in user; the selector filters the rows
        "retrieve": None,                  # the object comes from the selector: hidden means 404
        "partial_update": can_edit_proposal,
        "submit": can_submit_proposal,
    }
"""

from rest_framework import permissions


class PredicatePermission(permissions.BasePermission):
    """Reads ``view.permission_map[view.action]``: ``None`` allows any signed-in user (object-level
    visibility then comes from the selector's queryset); a predicate ``(user, obj) -> bool`` is called
    with the object for detail actions; an action missing from the map is refused."""

    message = "You may not do this."

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return bool(
                getattr(view, "allow_anonymous_actions", ()) and view.action in view.allow_anonymous_actions
            )
        return view.action in getattr(view, "permission_map", {}) or view.action is None

    def has_object_permission(self, request, view, obj):
        predicate = getattr(view, "permission_map", {}).get(view.action)
        if predicate is None:
            return view.action in view.permission_map or view.action in getattr(
                view, "allow_anonymous_actions", ()
            )
        return bool(predicate(request.user, obj))


class PredicateViewSetMixin:
    permission_classes = [PredicatePermission]
    permission_map: dict = {}
    allow_anonymous_actions: tuple = ()
