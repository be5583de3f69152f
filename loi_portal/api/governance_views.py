"""API of the letter's governance records and of the audit log: querysets from the selectors (hidden
means 404), each action mapped to a predicate, writes through ``loi_portal.governance``."""

import django_filters
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from loi_portal import governance, selectors
from loi_portal.api.permissions import PredicateViewSetMixin
from loi_portal.governance_forms import find_object
from loi_portal.governance_models import LetterOfIntent
from loi_portal.models import AuditEntry
from loi_portal.permissions import (
    can_approve_discontinuation_decision,
    can_escalate_divergence,
    can_manage_governance,
    can_propose_discontinuation_decision,
    can_resolve_divergence,
    can_write_divergence_position,
)
from loi_portal.services import audit

from . import governance_serializers as s

BOTH = ("EU", "JP")


class LetterViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The letter, its signatories and the operational date (a public record)."""

    serializer_class = s.LetterSerializer
    filterset_fields = ["sensitivity"]
    ordering_fields = ["signed_on", "title"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "receipt": lambda user, _letter: can_manage_governance(user),
    }

    def get_queryset(self):
        return LetterOfIntent.objects.prefetch_related("signatures__side").order_by("pk")

    @extend_schema(request=s.ReceiptSerializer, responses=s.LetterSerializer)
    @action(detail=True, methods=["post"], url_path=r"signatures/(?P<signature_pk>\d+)/receipt")
    def receipt(self, request, pk=None, signature_pk=None):
        letter = self.get_object()
        signature = get_object_or_404(letter.signatures.all(), pk=signature_pk)
        data = s.ReceiptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        governance.record_notification_receipt(
            signature, received_on=data.validated_data["notification_received_on"], by=request.user
        )
        return Response(s.LetterSerializer(self.get_queryset().get(pk=letter.pk)).data)


class NoticeViewSet(PredicateViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Discontinuation notices (programme officers of both Sides)."""

    serializer_class = s.NoticeSerializer
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,  # the service checks the officer role
        "decide": can_propose_discontinuation_decision,
    }
    filterset_fields = ["side__code"]
    ordering_fields = ["given_on"]

    def get_queryset(self):
        return selectors.discontinuation_notices_for_user(self.request.user).order_by("given_on", "pk")

    def retrieve(self, request, *args, **kwargs):
        notice = self.get_object()
        audit("discontinuation.view", by=request.user, obj=notice, sides=BOTH, via="api")
        return Response(self.get_serializer(notice).data)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = governance.give_discontinuation_notice(
            given_on=data["given_on"], text=data["text"], by=self.request.user
        )

    @extend_schema(request=s.DecisionSerializer, responses={201: s.DecisionSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        notice = self.get_object()
        data = s.DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = governance.propose_discontinuation_decision(
            notice,
            effective_on=data.validated_data["effective_on"],
            text=data.validated_data["text"],
            by=request.user,
        )
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class DecisionViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Mutual written decisions for an earlier discontinuation; ``approve`` is the other Side's."""

    serializer_class = s.DecisionSerializer
    permission_map = {"list": None, "retrieve": None, "approve": can_approve_discontinuation_decision}
    filterset_fields = {"notice": ["exact"], "agreed_at": ["isnull"]}
    ordering_fields = ["proposed_at", "effective_on", "agreed_at"]

    def get_queryset(self):
        return selectors.discontinuation_decisions_for_user(self.request.user).order_by("pk")

    @extend_schema(request=None, responses=s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        decision = governance.approve_discontinuation_decision(self.get_object(), by=request.user)
        return Response(s.DecisionSerializer(decision).data)


class DivergenceFilter(django_filters.FilterSet):
    subject = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = selectors.Divergence
        fields = ["state", "subject"]


class DivergenceViewSet(PredicateViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Divergences of opinion: programme officers of both Sides only; never sent outside the portal."""

    serializer_class = s.DivergenceSerializer
    filterset_class = DivergenceFilter
    ordering_fields = ["opened_at", "subject"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,  # open_divergence checks the officer role
        "position": can_write_divergence_position,
        "escalate": can_escalate_divergence,
        "resolve": can_resolve_divergence,
    }

    def get_queryset(self):
        return selectors.divergences_for_user(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        divergence = self.get_object()
        audit("divergence.view", by=request.user, obj=divergence, sides=BOTH, via="api")
        return Response(self.get_serializer(divergence).data)

    def perform_create(self, serializer):
        data = serializer.validated_data
        linked = []
        for link in data.get("linked", []):
            obj = find_object(link["type"], str(link["id"]))
            if obj is None:
                raise ValidationError({"linked": [f"No {link['type']} with id {link['id']}."]})
            linked.append(obj)
        serializer.instance = governance.open_divergence(
            data["subject"], by=self.request.user, linked=linked, description=data.get("description", "")
        )

    def _done(self, divergence):
        return Response(self.get_serializer(self.get_queryset().get(pk=divergence.pk)).data)

    @extend_schema(request=s.PositionSerializer, responses=s.DivergenceSerializer)
    @action(detail=True, methods=["post"])
    def position(self, request, pk=None):
        divergence = self.get_object()
        data = s.PositionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        governance.write_divergence_position(divergence, text=data.validated_data["text"], by=request.user)
        return self._done(divergence)

    @extend_schema(request=s.EscalationSerializer, responses=s.DivergenceSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        divergence = self.get_object()
        data = s.EscalationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        governance.escalate_divergence(divergence, **data.validated_data, by=request.user)
        return self._done(divergence)

    @extend_schema(request=s.ResolutionSerializer, responses=s.DivergenceSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        divergence = self.get_object()
        data = s.ResolutionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        governance.resolve_divergence(divergence, **data.validated_data, by=request.user)
        return self._done(divergence)


class DisclosureViewSet(PredicateViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The disclosure register (programme officers of both Sides)."""

    serializer_class = s.DisclosureSerializer
    permission_map = {"list": None, "retrieve": None, "create": None}  # the service checks the role
    filterset_fields = ["audience", "to_side__code", "object_id"]
    search_fields = ["what", "third_party"]
    ordering_fields = ["permitted_on", "recorded_at"]

    def get_queryset(self):
        return selectors.disclosure_permissions_for_user(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        permission = self.get_object()
        audit("disclosure.view", by=request.user, obj=permission, sides=BOTH, via="api")
        return Response(self.get_serializer(permission).data)

    def perform_create(self, serializer):
        data = serializer.validated_data
        subject = find_object(data["type"], str(data["object_id"]))
        if subject is None:
            raise ValidationError({"object_id": ["No such record."]})
        serializer.instance = governance.record_disclosure_permission(
            subject,
            what=data.get("what", ""),
            provided_by=data["provided_by"],
            audience=data["audience"],
            to_side=data.get("to_side"),
            third_party=data.get("third_party", ""),
            permitted_on=data["permitted_on"],
            permission_text=data.get("permission_text", ""),
            by=self.request.user,
        )


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="istartswith")
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="icontains")
    object_type = django_filters.CharFilter(lookup_expr="icontains")
    date_from = django_filters.DateFilter(field_name="at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "object_type", "date_from", "date_to"]


class AuditEntryViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """An officer's Side's part of the audit log (read-only: the log is append-only)."""

    serializer_class = s.AuditEntrySerializer
    filterset_class = AuditEntryFilter
    ordering_fields = ["at"]
    permission_map = {"list": None, "retrieve": None}

    def get_queryset(self):
        return selectors.audit_entries_for_user(self.request.user)
