"""REST API of proposals: each action maps to a predicate; querysets come from the selectors, so a
hidden proposal is a 404; writes go through the services (400 naming fields, 409 on a stale edit)."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from calls.models import Call
from loi_portal.api.exceptions import Conflict
from loi_portal.api.permissions import PredicateViewSetMixin
from loi_portal.downloads import pdf_attachment

from .. import permissions as perms
from .. import selectors, services
from ..annexes import too_large_message, use_annex_upload_handler
from ..models import Annex, Proposal
from .serializers import (
    AnnexSerializer,
    AnnexUploadSerializer,
    PartnerSerializer,
    ProposalSerializer,
    ProposalUpdateSerializer,
    ReceiptSerializer,
    SubmissionSerializer,
    WithdrawSerializer,
)


def _conflict(exc: services.EditConflict) -> Conflict:
    return Conflict(detail={"lock_version": [str(exc)]}, current_lock_version=exc.current_version)


class ProposalFilter(django_filters.FilterSet):
    call = django_filters.NumberFilter(field_name="call_id")
    state = django_filters.CharFilter(field_name="state")

    class Meta:
        model = Proposal
        fields = ["call", "state"]


@extend_schema_view(
    partial_update=extend_schema(request=ProposalUpdateSerializer, responses=ProposalSerializer),
    update=extend_schema(request=ProposalUpdateSerializer, responses=ProposalSerializer),
)
class ProposalViewSet(PredicateViewSetMixin, viewsets.ModelViewSet):
    """Proposals the caller may see. Drafts are created, changed and deleted by the consortium."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    search_fields = ["number", "acronym", "title", "abstract", "keywords"]
    ordering_fields = ["number", "updated_at", "state"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,  # the service checks the role and that the call is open
        "update": perms.can_edit_proposal,
        "partial_update": perms.can_edit_proposal,
        "destroy": perms.can_delete_proposal,
        "submit": perms.can_submit_proposal,
        "withdraw": perms.can_withdraw_proposal,
    }

    def get_queryset(self):
        return selectors.proposals_for_user(self.request.user).prefetch_related("topics")

    def perform_create(self, serializer):
        data = serializer.validated_data
        call = Call.objects.filter(pk=data["call"].pk).first()
        if call is None:
            raise NotFound
        serializer.instance = services.start_proposal(
            call,
            by=self.request.user,
            acronym=data["acronym"],
            title=data["title"],
            abstract=data.get("abstract", ""),
            keywords=data.get("keywords", ""),
            topics=data.get("topics", []),
        )

    def update(self, request, *args, **kwargs):
        proposal = self.get_object()
        incoming = ProposalUpdateSerializer(data=request.data, partial=False)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        lock_version = data.pop("lock_version")
        topics = data.pop("topics", None)
        try:
            saved = services.update_proposal(
                proposal, by=request.user, lock_version=lock_version, topics=topics, **data
            )
        except services.EditConflict as exc:
            raise _conflict(exc) from exc
        return Response(ProposalSerializer(saved, context={"request": request}).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.delete_draft(instance, by=self.request.user)

    @extend_schema(request=None, responses={201: ReceiptSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit now; the answer is the receipt the page and the PDF show."""
        proposal = self.get_object()
        submission = services.submit_proposal(proposal, by=request.user)
        return Response(
            ReceiptSerializer(services.receipt_of(submission)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=WithdrawSerializer, responses={200: ProposalSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        proposal = self.get_object()
        incoming = WithdrawSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        saved = services.withdraw_proposal(
            proposal, by=request.user, reason=incoming.validated_data["reason"]
        )
        return Response(ProposalSerializer(saved, context={"request": request}).data)


class PartnerViewSet(PredicateViewSetMixin, viewsets.ModelViewSet):
    """Partners of the proposals the caller may see; the Side is always the organisation's."""

    serializer_class = PartnerSerializer
    filterset_fields = ["proposal", "side__code"]
    ordering_fields = ["order", "pk"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,  # checked on the proposal below
        "update": perms.can_edit_partner,
        "partial_update": perms.can_edit_partner,
        "destroy": perms.can_edit_partner,
    }

    def get_queryset(self):
        return selectors.partners_for_user(self.request.user)

    def _proposal(self, pk) -> Proposal:
        proposal = selectors.proposals_for_user(self.request.user).filter(pk=getattr(pk, "pk", pk)).first()
        if proposal is None:
            raise ValidationError({"proposal": ["No such proposal."]})
        if not perms.can_edit_proposal(self.request.user, proposal):
            raise PermissionDenied
        return proposal

    def _save(self, serializer, partner=None):
        data = dict(serializer.validated_data)
        proposal = self._proposal(data.pop("proposal", None) or partner.proposal_id)
        lock_version = data.pop("lock_version", None)
        try:
            serializer.instance = services.save_partner(
                proposal, by=self.request.user, partner=partner, lock_version=lock_version, **data
            )
        except services.EditConflict as exc:
            raise _conflict(exc) from exc

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, partner=serializer.instance)

    def perform_destroy(self, instance):
        try:
            services.delete_partner(
                instance,
                by=self.request.user,
                lock_version=_int(self.request.query_params.get("lock_version")),
            )
        except services.EditConflict as exc:
            raise _conflict(exc) from exc


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError as exc:
        raise ValidationError({"lock_version": ["Enter a whole number."]}) from exc


class AnnexViewSet(
    PredicateViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Annexes: multipart upload (checked by content, size limit enforced while streaming), download
    as an attachment, removal from the draft."""

    serializer_class = AnnexSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["proposal", "kind"]
    ordering_fields = ["uploaded_at"]
    permission_map = {
        "list": None,
        "retrieve": None,
        "create": None,  # checked on the proposal below
        "download": perms.can_download_annex,
        "destroy": perms.can_remove_annex,
    }

    def get_queryset(self):
        qs = selectors.annexes_for_user(self.request.user)
        if self.action == "list":
            qs = qs.filter(removed_at__isnull=True)
        return qs

    def initialize_request(self, request, *args, **kwargs):
        # The annex handler must be in place before anything reads the body.
        if request.method == "POST":
            self._upload_handler = use_annex_upload_handler(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": AnnexUploadSerializer}, responses={201: AnnexSerializer})
    def create(self, request, *args, **kwargs):
        handler = getattr(self, "_upload_handler", None)
        data = request.data
        if handler is not None and handler.too_large:
            raise ValidationError({"file": [too_large_message()]})
        incoming = AnnexUploadSerializer(data=data)
        incoming.is_valid(raise_exception=True)
        proposal = (
            selectors.proposals_for_user(request.user).filter(pk=incoming.validated_data["proposal"]).first()
        )
        if proposal is None:
            raise ValidationError({"proposal": ["No such proposal."]})
        if not perms.can_edit_proposal(request.user, proposal):
            raise PermissionDenied
        annex = services.add_annex(
            proposal,
            by=request.user,
            file=incoming.validated_data["file"],
            kind=incoming.validated_data["kind"],
        )
        return Response(AnnexSerializer(annex).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.remove_annex(instance, by=self.request.user)

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="The PDF file.")})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        annex: Annex = self.get_object()
        services.record_annex_download(annex, by=request.user)
        return pdf_attachment(annex.file, annex.original_name)


class SubmissionViewSet(PredicateViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Submissions (immutable snapshots) with their receipts."""

    serializer_class = SubmissionSerializer
    filterset_fields = ["proposal", "version"]
    ordering_fields = ["submitted_at", "version"]
    permission_map = {"list": None, "retrieve": None}

    def get_queryset(self):
        return selectors.submissions_for_user(self.request.user)
