"""Consortia, partners, proposals, annexes, submissions and receipts."""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from calls.models import Call, Topic
from loi_portal.enums import Sensitivity
from loi_portal.models import Organisation, Side

from .enums import AnnexKind, MemberRole, PartnerRole, ProposalState


class Proposal(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("call"))
    number = models.CharField(_("proposal number"), max_length=40, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    abstract = models.TextField(_("abstract"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    topics = models.ManyToManyField(Topic, related_name="proposals", blank=True, verbose_name=_("topics"))
    state = models.CharField(
        _("state"), max_length=20, choices=ProposalState.choices, default=ProposalState.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every edit sends the lock_version it started from.
    lock_version = models.PositiveIntegerField(default=0)
    # The number of the last submission (0 when never submitted).
    submitted_version = models.PositiveIntegerField(default=0)
    sensitivity = models.CharField(max_length=12, choices=Sensitivity.choices, default=Sensitivity.RESTRICTED)

    class Meta:
        ordering = ["number"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [models.Index(fields=["call", "state"])]

    def __str__(self) -> str:
        return f"{self.number} {self.acronym}"


class ProposalUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Proposal, on_delete=models.CASCADE)


class ProposalGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Proposal, on_delete=models.CASCADE)


class ConsortiumMember(models.Model):
    """A researcher who may edit the proposal; each Side's coordinator is a member with that role."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=MemberRole.choices, default=MemberRole.CO_APPLICANT)
    invited_email = models.EmailField(blank=True)
    invitation_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "user"], condition=models.Q(user__isnull=False), name="member_once"
            ),
            models.UniqueConstraint(
                fields=["proposal", "side"],
                condition=models.Q(role="coordinator"),
                name="one_coordinator_per_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.invited_email} in {self.proposal.number}"


class Partner(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="partnerships", verbose_name=_("organisation")
    )
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    country = models.CharField(_("country"), max_length=2)
    pi_name = models.CharField(_("principal investigator"), max_length=200)
    pi_email = models.EmailField(_("principal investigator's e-mail"))
    role = models.CharField(
        _("role"), max_length=20, choices=PartnerRole.choices, default=PartnerRole.PARTICIPANT
    )
    # Requested from the partner's OWN Side only, in that Side's minor unit.
    requested_minor = models.BigIntegerField(
        _("requested budget"), default=0, validators=[MinValueValidator(0)]
    )
    erad_id = models.CharField(_("e-Rad application ID"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["proposal", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_minor__gte=0), name="partner_request_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["pi_email"]),
            models.Index(Lower("pi_email"), name="partner_pi_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} ({self.side.code})"


def annex_upload_to(instance: "Annex", filename: str) -> str:
    # Generated names: the applicant's file name is kept only in original_name.
    return f"annexes/{instance.proposal_id}/{uuid.uuid4().hex}.pdf"


class Annex(models.Model):
    """An uploaded PDF. Never changed once stored; removing it from a draft only hides it, so that
    the submissions that froze it keep their file."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="annexes")
    kind = models.CharField(_("kind"), max_length=30, choices=AnnexKind.choices, default=AnnexKind.TECHNICAL)
    file = models.FileField(upload_to=annex_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    pages = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    sensitivity = models.CharField(max_length=12, choices=Sensitivity.choices, default=Sensitivity.RESTRICTED)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name_plural = _("annexes")

    def __str__(self) -> str:
        return self.original_name


class Submission(models.Model):
    """An immutable snapshot of a proposal at one submission, with its receipt."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="submissions")
    version = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField()
    sha256 = models.CharField(max_length=64)
    annexes = models.ManyToManyField(Annex, related_name="submissions", blank=True)
    late_exception = models.ForeignKey(
        "LateSubmissionException", on_delete=models.PROTECT, null=True, blank=True, related_name="uses"
    )

    class Meta:
        ordering = ["proposal", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "version"], name="submission_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.proposal.number} v{self.version}"


class LateSubmissionException(models.Model):
    """Both Sides' permission for one named proposal to be submitted after the deadline, until expiry."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="late_exceptions")
    reason = models.TextField(_("reason"))
    expires_at = models.DateTimeField(_("expires at"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Late exception for {self.proposal.number}"
