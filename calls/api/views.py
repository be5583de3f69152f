"""REST API of the calls app: every write goes through calls.services; querysets come from
calls.selectors, so hidden objects are 404; each action maps to a predicate of calls.permissions."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from loi_portal.api.exceptions import Conflict
from loi_portal.api.permissions import PredicateViewSetMixin
from loi_portal.downloads import pdf_attachment
from loi_portal.models import User
from loi_portal.services import approved_sides
from proposals.annexes import too_large_message, use_annex_upload_handler

from .. import permissions, selectors, services
from ..models import PartnershipPlan
from . import serializers as s


def _require(predicate, user, obj=None):
    if not predicate(user, obj):
        raise PermissionDenied


def _approval_result(obj, version, both) -> Response:
    return Response({"approved_by_sides": sorted(approved_sides(obj, version)), "complete": both})


class TopicViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Priority topics: officers of both Sides see all; an expert the topics they were asked about."""

    serializer_class = s.TopicSerializer
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": permissions.can_propose_topic,
        "partial_update": permissions.can_edit_topic,
        "agree": permissions.can_agree_topic,
        "request_opinion": permissions.can_request_opinion,
    }
    filterset_fields = ["is_agreed", "challenge"]
    search_fields = ["title", "description"]
    ordering_fields = ["created_at", "title"]

    def get_queryset(self):
        return selectors.topics_for_user(self.request.user)

    @extend_schema(request=s.TopicSerializer, responses={201: s.TopicSerializer})
    def create(self, request):
        _require(permissions.can_propose_topic, request.user)
        serializer = s.TopicSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        topic = services.propose_topic(by=request.user, **serializer.validated_data)
        return Response(s.TopicSerializer(topic).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TopicUpdateSerializer, responses={200: s.TopicSerializer})
    def partial_update(self, request, pk=None):
        topic = self.get_object()
        serializer = s.TopicUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        revision = data.pop("revision", None)
        if revision is not None and revision != topic.revision:
            raise Conflict()
        topic = services.edit_topic(topic, by=request.user, **data)
        return Response(s.TopicSerializer(topic).data)

    @extend_schema(request=s.CommentSerializer, responses={200: s.ApprovalResultSerializer})
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        topic = self.get_object()
        serializer = s.CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revision = topic.revision
        topic = services.agree_topic(topic, by=request.user, comment=serializer.validated_data["comment"])
        return _approval_result(topic, revision, topic.is_agreed)

    @extend_schema(request=s.OpinionRequestSerializer, responses={201: s.OpinionSerializer})
    @action(detail=True, methods=["post"], url_path="request-opinion")
    def request_opinion(self, request, pk=None):
        topic = self.get_object()
        serializer = s.OpinionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expert = get_object_or_404(User, pk=serializer.validated_data["expert"])
        opinion = services.request_opinion(topic, expert=expert, by=request.user)
        return Response(s.OpinionSerializer(opinion).data, status=status.HTTP_201_CREATED)


class OpinionViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Expert opinions: officers read all; an expert reads and answers their own."""

    serializer_class = s.OpinionSerializer
    permission_map = {"list": None, "retrieve": None, "answer": permissions.can_give_opinion}
    filterset_fields = ["topic", "stance"]
    ordering_fields = ["requested_at", "answered_at"]

    def get_queryset(self):
        return selectors.opinions_for_user(self.request.user)

    @extend_schema(request=s.OpinionAnswerSerializer, responses={200: s.OpinionSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        opinion = self.get_object()
        serializer = s.OpinionAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        opinion = services.record_opinion(opinion, by=request.user, **serializer.validated_data)
        return Response(s.OpinionSerializer(opinion).data)


class PlanFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    in_force = django_filters.BooleanFilter(method="filter_in_force", label="Has a version in force")

    class Meta:
        model = PartnershipPlan
        fields = ["name", "in_force"]

    def filter_in_force(self, queryset, name, value):
        in_force = PartnershipPlan.objects.filter(versions__in_force_since__isnull=False).values("pk")
        return queryset.filter(pk__in=in_force) if value else queryset.exclude(pk__in=in_force)


class PlanViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Partnership Plans (officers only). Any edit is a new version (``new-version``)."""

    serializer_class = s.PlanSerializer
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": permissions.can_create_plan,
        "new_version": permissions.can_edit_plan,
    }
    filterset_class = PlanFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "name"]

    def get_queryset(self):
        return selectors.plans_for_user(self.request.user)

    @extend_schema(request=s.PlanCreateSerializer, responses={201: s.PlanVersionSerializer})
    def create(self, request):
        _require(permissions.can_create_plan, request.user)
        serializer = s.PlanCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = services.create_plan(by=request.user, name=data.pop("name"), **data)
        return Response(s.PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PlanVersionInputSerializer, responses={201: s.PlanVersionSerializer})
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        plan = self.get_object()
        serializer = s.PlanVersionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.new_plan_version(plan, by=request.user, **serializer.validated_data)
        return Response(s.PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class PlanVersionViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Immutable plan versions with their approvals; ``approve`` records the caller's Side."""

    serializer_class = s.PlanVersionSerializer
    permission_map = {"list": None, "retrieve": None, "approve": permissions.can_approve_plan_version}
    filterset_fields = ["plan", "number"]
    ordering_fields = ["number", "created_at"]

    def get_queryset(self):
        return selectors.plan_versions_for_user(self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.attach_approvals(page)
        return page

    @extend_schema(request=s.CommentSerializer, responses={200: s.ApprovalResultSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        version = self.get_object()
        serializer = s.CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.approve_plan_version(
            version, by=request.user, comment=serializer.validated_data["comment"]
        )
        return _approval_result(version, version.number, version.in_force_since is not None)


TRANSITIONS = {
    "published": lambda call, by, reason: services.publish_call(call, by=by),
    "draft": lambda call, by, reason: services.unpublish_call(call, by=by, reason=reason),
    "open": lambda call, by, reason: services.open_call(call, by=by),
    "closed": lambda call, by, reason: services.close_call(call, by=by),
    "under_evaluation": lambda call, by, reason: services.start_evaluation(call, by=by),
    "selection": lambda call, by, reason: services.start_selection(call, by=by),
    "awarded": lambda call, by, reason: services.award_call(call, by=by),
    "archived": lambda call, by, reason: services.archive_call(call, by=by),
}


def _call_kwargs(data: dict) -> dict:
    budgets = {}
    for code in ("EU", "JP"):
        prefix = code.lower()
        if f"{prefix}_cap_minor" in data or f"{prefix}_per_proposal_cap_minor" in data:
            budgets[code] = {
                "cap_minor": data.pop(f"{prefix}_cap_minor", None),
                "per_proposal_cap_minor": data.pop(f"{prefix}_per_proposal_cap_minor", None),
            }
    return budgets


class CallViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Published calls for anyone (deadline in UTC, Tokyo and Brussels); officers also see drafts
    and create, edit, approve, publish and move calls through the services."""

    serializer_class = s.CallSerializer
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": permissions.can_create_call,
        "partial_update": permissions.can_edit_call,
        "approve_text": permissions.can_approve_call_text,
        "publish": permissions.can_transition_call,
        "transition": permissions.can_transition_call,
        "deadline_change": permissions.can_request_deadline_change,
    }
    allow_anonymous_actions = ("list", "retrieve")
    filterset_fields = ["state", "identifier"]
    search_fields = ["title", "identifier", "description"]
    ordering_fields = ["deadline", "opens_at", "identifier", "published_at"]

    def get_queryset(self):
        return selectors.calls_for_user(self.request.user).prefetch_related("documents")

    @extend_schema(request=s.CallWriteSerializer, responses={201: s.CallSerializer})
    def create(self, request):
        _require(permissions.can_create_call, request.user)
        serializer = s.CallWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("text_revision", None)
        budgets = _call_kwargs(data)
        call = services.create_call(by=request.user, budgets=budgets, **data)
        return Response(s.CallSerializer(self.get_queryset().get(pk=call.pk)).data, status=201)

    @extend_schema(request=s.CallWriteSerializer, responses={200: s.CallSerializer})
    def partial_update(self, request, pk=None):
        call = self.get_object()
        serializer = s.CallWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        revision = data.pop("text_revision", None)
        if revision is not None and revision != call.text_revision:
            raise Conflict()
        budgets = _call_kwargs(data)
        if budgets:
            current = {b.side.code: b for b in call.budgets.all()}
            for code, budget in budgets.items():
                for key in ("cap_minor", "per_proposal_cap_minor"):
                    if budget[key] is None and code in current:
                        budget[key] = getattr(current[code], key)
            for code, b in current.items():
                budgets.setdefault(
                    code, {"cap_minor": b.cap_minor, "per_proposal_cap_minor": b.per_proposal_cap_minor}
                )
        services.update_call(
            call, by=request.user, topics=data.pop("topics", None), budgets=budgets or None, **data
        )
        return Response(s.CallSerializer(self.get_queryset().get(pk=call.pk)).data)

    @extend_schema(request=s.CommentSerializer, responses={200: s.ApprovalResultSerializer})
    @action(detail=True, methods=["post"], url_path="approve-text")
    def approve_text(self, request, pk=None):
        call = self.get_object()
        serializer = s.CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call, both = services.approve_call_text(
            call, by=request.user, comment=serializer.validated_data["comment"]
        )
        return _approval_result(call, call.text_revision, both)

    @extend_schema(request=None, responses={200: s.CallSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        call = self.get_object()
        services.publish_call(call, by=request.user)
        return Response(s.CallSerializer(self.get_queryset().get(pk=call.pk)).data)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.CallSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        call = self.get_object()
        serializer = s.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        TRANSITIONS[serializer.validated_data["to"]](call, request.user, serializer.validated_data["reason"])
        return Response(s.CallSerializer(self.get_queryset().get(pk=call.pk)).data)

    @extend_schema(request=s.DeadlineChangeRequestSerializer, responses={201: s.DeadlineChangeSerializer})
    @action(detail=True, methods=["post"], url_path="deadline-change")
    def deadline_change(self, request, pk=None):
        call = self.get_object()
        serializer = s.DeadlineChangeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services.request_deadline_change(call, by=request.user, **serializer.validated_data)
        return Response(s.DeadlineChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class DeadlineChangeViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Requests to move a deadline: officers see all; anyone the applied ones of public calls."""

    serializer_class = s.DeadlineChangeSerializer
    permission_map = {"list": None, "retrieve": None, "approve": permissions.can_approve_deadline_change}
    allow_anonymous_actions = ("list", "retrieve")
    filterset_fields = ["call"]
    ordering_fields = ["requested_at", "applied_at"]

    def get_queryset(self):
        return selectors.deadline_changes_for_user(self.request.user)

    @extend_schema(request=None, responses={200: s.ApprovalResultSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        change = self.get_object()
        change, applied = services.approve_deadline_change(change, by=request.user)
        return _approval_result(change, "1", applied)


class CallDocumentViewSet(
    PredicateViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Documents of the calls: public once the call is published; officers add (multipart, checked
    by content) and remove them while the call is a draft, which starts a new text revision."""

    serializer_class = s.CallDocumentSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["call", "kind"]
    search_fields = ["title"]
    ordering_fields = ["uploaded_at", "title", "kind"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "download": None,
        "create": permissions.can_create_call,  # and the call must be an editable draft, below
        "destroy": permissions.can_remove_call_document,
    }
    allow_anonymous_actions = ("list", "retrieve", "download")

    def get_queryset(self):
        return selectors.call_documents_for_user(self.request.user).order_by("call_id", "kind", "title", "pk")

    def initialize_request(self, request, *args, **kwargs):
        # The streaming, size-limited upload handler must be in place before anything reads the body.
        if request.method == "POST":
            self._upload_handler = use_annex_upload_handler(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": s.CallDocumentUploadSerializer},
        responses={201: s.CallDocumentSerializer},
    )
    def create(self, request, *args, **kwargs):
        _require(permissions.can_create_call, request.user)
        handler = getattr(self, "_upload_handler", None)
        if handler is not None and handler.too_large:
            raise ValidationError({"file": [too_large_message()]})
        incoming = s.CallDocumentUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        call = selectors.calls_for_user(request.user).filter(pk=data.pop("call")).first()
        if call is None:
            raise ValidationError({"call": ["No such call."]})
        _require(permissions.can_edit_call, request.user, call)
        document = services.add_call_document(call, by=request.user, **data)
        return Response(s.CallDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.remove_call_document(instance, by=self.request.user)

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="The PDF file.")})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = self.get_object()
        return pdf_attachment(document.file, document.original_name)
