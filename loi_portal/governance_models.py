"""The letter's own records: the LoI and its signatures, discontinuation notices and mutual decisions,
divergences of opinion, and the disclosure register (the letter, sections III and IV).

Imported at the bottom of ``loi_portal/models.py``; every write goes through ``loi_portal/governance.py``."""

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import Sensitivity
from .models import Organisation, Side

__all__ = [
    "DisclosurePermission",
    "DiscontinuationDecision",
    "DiscontinuationNotice",
    "Divergence",
    "DivergenceLink",
    "DivergencePosition",
    "LetterOfIntent",
    "Signature",
]

# A Side's discontinuation takes effect this long after its written notice (the letter, IV).
NOTICE_PERIOD = dt.timedelta(days=90)


class LetterOfIntent(models.Model):
    """The letter itself: one row. Operational from the receipt of the notification of the last
    signature, which ``operational_on`` computes from the signatures."""

    title = models.CharField(_("title"), max_length=255)
    signed_at_place = models.CharField(_("place of signature"), max_length=100)
    signed_on = models.DateField(_("date of signature"))
    sensitivity = models.CharField(
        _("sensitivity"), max_length=12, choices=Sensitivity.choices, default=Sensitivity.PUBLIC
    )

    class Meta:
        verbose_name = _("Letter of Intent")
        verbose_name_plural = _("Letters of Intent")

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def operational_date(signatures) -> dt.date | None:
        """The receipt of the notification of the last signature, or None while one is missing."""
        signatures = list(signatures)
        if len(signatures) < 2 or any(s.notification_received_on is None for s in signatures):
            return None
        return max(s.notification_received_on for s in signatures)

    @property
    def operational_on(self) -> dt.date | None:
        return self.operational_date(self.signatures.all())


class Signature(models.Model):
    """One Side's signature of the letter and the date the other Side received its notification."""

    letter = models.ForeignKey(LetterOfIntent, on_delete=models.CASCADE, related_name="signatures")
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+", verbose_name=_("Side"))
    signatory_name = models.CharField(_("signatory"), max_length=200)
    signatory_title = models.CharField(_("title of the signatory"), max_length=255)
    signed_on = models.DateField(_("date of signature"))
    notification_received_on = models.DateField(
        _("notification of signature received on"), null=True, blank=True
    )

    class Meta:
        ordering = ["side__code"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [models.UniqueConstraint(fields=["letter", "side"], name="signature_once_per_side")]

    def __str__(self) -> str:
        return f"{self.signatory_name} ({self.side_id and self.side.code})"

    @property
    def sensitivity(self) -> str:
        return self.letter.sensitivity


def governance_upload_to(instance, filename: str) -> str:
    # Generated names: the uploader's file name is never used on disk (it is checked by content in
    # loi_portal.governance, like every upload).
    return f"governance/{instance._meta.model_name}/{dt.date.today():%Y/%m}/{uuid.uuid4().hex}.pdf"


PDF_ONLY = [FileExtensionValidator(["pdf"])]


class DiscontinuationNotice(models.Model):
    """A Side's written notice that it discontinues its participation in the letter.

    Takes effect ``NOTICE_PERIOD`` after ``given_on`` unless both Sides agreed an earlier date in a
    mutual written decision (``DiscontinuationDecision``)."""

    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+", verbose_name=_("Side"))
    given_on = models.DateField(_("date of the written notice"))
    text = models.TextField(_("text of the notice"))
    document = models.FileField(
        _("signed notice (PDF)"), upload_to=governance_upload_to, blank=True, validators=PDF_ONLY
    )
    sensitivity = models.CharField(
        _("sensitivity"), max_length=12, choices=Sensitivity.choices, default=Sensitivity.JOINT
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["given_on", "pk"]
        verbose_name = _("discontinuation notice")
        verbose_name_plural = _("discontinuation notices")

    def __str__(self) -> str:
        return f"{self.side_id and self.side.code} notice of {self.given_on:%Y-%m-%d}"

    @property
    def notice_period_ends_on(self) -> dt.date:
        return self.given_on + NOTICE_PERIOD


class DiscontinuationDecision(models.Model):
    """A proposed mutual written decision to make a discontinuation take effect earlier. It counts
    only once both Sides approved it (``loi_portal.services.approve``, version ``"1"``); the
    governance service then writes ``agreed_at``."""

    notice = models.ForeignKey(DiscontinuationNotice, on_delete=models.CASCADE, related_name="decisions")
    effective_on = models.DateField(_("agreed effective date"))
    text = models.TextField(_("text of the decision"))
    document = models.FileField(
        _("signed decision (PDF)"), upload_to=governance_upload_to, blank=True, validators=PDF_ONLY
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    # Written only by governance.approve_discontinuation_decision when the second Side approves.
    agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "pk"]
        verbose_name = _("mutual decision on discontinuation")
        verbose_name_plural = _("mutual decisions on discontinuation")

    def __str__(self) -> str:
        return f"{_('Mutual decision')}: {self.effective_on:%Y-%m-%d}"

    @property
    def sensitivity(self) -> str:
        return self.notice.sensitivity


class DivergenceState(models.TextChoices):
    OPEN = "open", _("Open")
    ESCALATED = "escalated", _("Escalated to Deputy Director General level")
    RESOLVED = "resolved", _("Resolved")


DIVERGENCE_TRANSITIONS = {
    DivergenceState.OPEN: {DivergenceState.ESCALATED, DivergenceState.RESOLVED},
    DivergenceState.ESCALATED: {DivergenceState.RESOLVED},
    DivergenceState.RESOLVED: set(),
}

# What a divergence may be about (app_label.model).
DIVERGENCE_LINKABLE = ("calls.topic", "calls.partnershipplan", "calls.call", "proposals.proposal")


class Divergence(models.Model):
    """A divergence of opinion between the Sides (the letter, III.3). Only programme officers of both
    Sides ever see it; it is never sent outside the portal."""

    subject = models.CharField(_("subject"), max_length=255)
    description = models.TextField(_("area of divergence"), blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=DivergenceState.choices, default=DivergenceState.OPEN
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    escalated_to = models.CharField(
        _("presented to (Deputy Director General or equivalent)"), max_length=255, blank=True
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("divergence of opinion")
        verbose_name_plural = _("divergences of opinion")

    def __str__(self) -> str:
        return self.subject

    @property
    def sensitivity(self) -> str:
        # Joint by definition: both Sides' officers and nobody else.
        return Sensitivity.JOINT


class DivergenceLink(models.Model):
    """An object a divergence is about: a topic, a plan, a call or a proposal."""

    divergence = models.ForeignKey(Divergence, on_delete=models.CASCADE, related_name="links")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    label = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["divergence", "content_type", "object_id"], name="divergence_link_once"
            )
        ]

    def __str__(self) -> str:
        return self.label or f"{self.content_type.model} #{self.object_id}"


class DivergencePosition(models.Model):
    """One Side's written position on a divergence; only that Side's officers write it."""

    divergence = models.ForeignKey(Divergence, on_delete=models.CASCADE, related_name="positions")
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+", verbose_name=_("Side"))
    text = models.TextField(_("written position"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["side__code"]
        constraints = [
            models.UniqueConstraint(fields=["divergence", "side"], name="divergence_position_once_per_side")
        ]

    def __str__(self) -> str:
        return f"{self.side_id and self.side.code}: {self.divergence}"

    @property
    def sensitivity(self) -> str:
        return Sensitivity.JOINT


class DisclosureAudience(models.TextChoices):
    OTHER_SIDE = "other_side", _("The other Side")
    THIRD_PARTY = "third_party", _("A named third party")


class DisclosurePermission(models.Model):
    """The disclosure register: a participant's written permission to share information it provided
    beyond its audience (to the other Side, or to a named third party such as the Digital
    Partnership Council). ``may_disclose`` reads it."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    what = models.CharField(_("what may be disclosed"), max_length=255)
    provided_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("provided by (participant)")
    )
    audience = models.CharField(_("to whom"), max_length=12, choices=DisclosureAudience.choices)
    # The Side that may receive it when ``audience`` is the other Side.
    to_side = models.ForeignKey(
        Side, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("to Side")
    )
    third_party = models.CharField(
        _("third party"), max_length=255, blank=True, help_text=_("For example: Digital Partnership Council.")
    )
    permitted_on = models.DateField(_("permission given on"))
    permission_text = models.TextField(_("text of the permission"), blank=True)
    document = models.FileField(
        _("written permission (PDF)"), upload_to=governance_upload_to, blank=True, validators=PDF_ONLY
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    sensitivity = models.CharField(
        _("sensitivity"), max_length=12, choices=Sensitivity.choices, default=Sensitivity.JOINT
    )

    class Meta:
        ordering = ["-permitted_on", "-pk"]
        verbose_name = _("disclosure permission")
        verbose_name_plural = _("disclosure register")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(audience="other_side", to_side__isnull=False)
                    | (models.Q(audience="third_party") & ~models.Q(third_party=""))
                ),
                name="disclosure_names_its_recipient",
            ),
            models.CheckConstraint(
                condition=~models.Q(permission_text="") | ~models.Q(document=""),
                name="disclosure_has_text_or_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.what} → {self.recipient}"

    @property
    def recipient(self) -> str:
        if self.audience == DisclosureAudience.THIRD_PARTY:
            return self.third_party
        return str(self.to_side) if self.to_side_id else ""
