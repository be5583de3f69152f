"""Priority topics, expert opinions, Partnership Plans and joint calls (the letter, section II.1)."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from loi_portal.models import Side

from .enums import CallDocumentKind, CallState, Challenge, OpinionStance


class Topic(models.Model):
    """A priority topic. Agreed only when both Sides approved its current ``revision``;
    an edit of its text increments the revision, which withdraws both agreements."""

    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"))
    challenge = models.CharField(_("challenge"), max_length=20, choices=Challenge.choices)
    dp_priority = models.CharField(_("Digital Partnership priority"), max_length=255, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposing_side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField(default=1)
    # Written only by the topic services, from the approvals of the current revision.
    is_agreed = models.BooleanField(_("agreed"), default=False)
    agreed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.title


class ExpertOpinion(models.Model):
    """An officer's request for an expert's opinion on a topic, and the expert's answer."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="opinions")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_opinions"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    stance = models.CharField(
        _("stance"), max_length=20, choices=OpinionStance.choices, default=OpinionStance.PENDING
    )
    text = models.TextField(_("opinion"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [models.UniqueConstraint(fields=["topic", "expert"], name="one_opinion_per_expert")]

    def __str__(self) -> str:
        return f"{self.expert} on {self.topic}"


class PartnershipPlan(models.Model):
    """A Partnership Plan for a call or group of calls; its content lives in versions."""

    name = models.CharField(_("name"), max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Partnership Plan")
        verbose_name_plural = _("Partnership Plans")

    def __str__(self) -> str:
        return self.name


class PlanVersion(models.Model):
    """One immutable version of a plan. In force only when both Sides approved this exact version."""

    plan = models.ForeignKey(PartnershipPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    evaluation_procedure = models.TextField(_("evaluation procedure"))
    selection_procedure = models.TextField(_("selection procedure"))
    # [{"name": "Call opens", "date": "2026-01-15"}, ...]
    timeline = models.JSONField(_("timeline"), default=list, blank=True)
    reporting_cycle_months = models.PositiveSmallIntegerField(_("reporting cycle (months)"), default=12)
    final_report = models.BooleanField(_("final report"), default=True)
    progress_assessment = models.TextField(_("how progress is assessed"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Written only by the plan services once both Sides approved this version.
    in_force_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")]

    def __str__(self) -> str:
        return f"{self.plan.name} v{self.number}"

    @property
    def is_in_force(self) -> bool:
        return self.in_force_since is not None


class PlanSideTerms(models.Model):
    """What one Side commits to in a plan version: its funding and its evaluation rules."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="side_terms")
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    # In the Side's minor currency unit (EUR cents, JPY yen).
    funding_minor = models.BigIntegerField(_("funding"), validators=[MinValueValidator(0)])
    overall_threshold = models.DecimalField(_("overall threshold"), max_digits=5, decimal_places=2)
    scale_min = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("0"))
    scale_max = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("5"))
    scale_step = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.5"))
    conflict_types = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "side"], name="plan_terms_once_per_side")]

    def __str__(self) -> str:
        return f"{self.version} {self.side.code}"


class Criterion(models.Model):
    """An evaluation criterion of one Side; ``order`` is also the tie-break order."""

    terms = models.ForeignKey(PlanSideTerms, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=255)
    name_ja = models.CharField(_("name (Japanese)"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField()
    threshold = models.DecimalField(_("threshold"), max_digits=4, decimal_places=1)
    # For ranking only, never for thresholds.
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2, default=Decimal("1"))

    class Meta:
        ordering = ["terms", "order"]
        constraints = [models.UniqueConstraint(fields=["terms", "code"], name="criterion_code_unique")]

    def __str__(self) -> str:
        return self.name


class Call(models.Model):
    title = models.CharField(_("title"), max_length=255)
    identifier = models.CharField(_("identifier"), max_length=50, unique=True)
    description = models.TextField(_("description"))
    topics = models.ManyToManyField(Topic, related_name="calls", verbose_name=_("topics"))
    plan_version = models.ForeignKey(
        PlanVersion,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("Partnership Plan version"),
    )
    opens_at = models.DateTimeField(_("opens at"))
    # ONE deadline for both Sides, in UTC.
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    state = models.CharField(_("state"), max_length=20, choices=CallState.choices, default=CallState.DRAFT)
    page_limit = models.PositiveIntegerField(_("page limit of annexes"), default=30)
    min_participants_per_side = models.PositiveSmallIntegerField(
        _("minimum participants established in each Side"), default=1
    )
    # Increments when the call text changes; the Sides approve a text revision.
    text_revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-deadline"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("deadline")), name="call_opens_before_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.title}"


class CallBudget(models.Model):
    """One Side's budget for a call, in its own currency's minor unit."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="budgets")
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    cap_minor = models.BigIntegerField(_("budget cap"), validators=[MinValueValidator(0)])
    per_proposal_cap_minor = models.BigIntegerField(_("cap per proposal"), validators=[MinValueValidator(0)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "side"], name="call_budget_once_per_side")]

    def __str__(self) -> str:
        return f"{self.call.identifier} {self.side.code}"


def call_document_upload_to(instance: "CallDocument", filename: str) -> str:
    # Generated names: the uploaded file's own name is kept only in original_name.
    return f"call-documents/{instance.call_id}/{uuid.uuid4().hex}.pdf"


class CallDocument(models.Model):
    """A PDF published with a call (guide for applicants, templates, model agreement). Part of the
    call's text: added or removed only while the call is a draft, so both Sides approve it with the
    text, and public once the call is published."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(
        _("kind"), max_length=20, choices=CallDocumentKind.choices, default=CallDocumentKind.GUIDE
    )
    file = models.FileField(_("file"), upload_to=call_document_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    pages = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "title", "pk"]
        verbose_name = _("call document")
        verbose_name_plural = _("call documents")

    def __str__(self) -> str:
        return f"{self.call.identifier}: {self.title}"


class DeadlineChange(models.Model):
    """A request to move a published call's deadline; applied once both Sides approve it."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="deadline_changes")
    old_deadline = models.DateTimeField()
    new_deadline = models.DateTimeField()
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # A pending request an officer withdrew; never applied.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.call.identifier}: {self.old_deadline} → {self.new_deadline}"
