"""The framework's own records: Sides, organisations, users and roles, approvals, the audit log."""

import hashlib
import json
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .enums import Language, Role, SideCode


class SideQuerySet(models.QuerySet):
    def eu(self) -> "Side":
        return self.get(code=SideCode.EU)

    def jp(self) -> "Side":
        return self.get(code=SideCode.JP)


class Side(models.Model):
    """One of the two signatories of the letter, with its funding programme, currency and time zone.

    The two rows are created by a data migration; code looks them up by ``code``."""

    code = models.CharField(max_length=2, choices=SideCode.choices, unique=True)
    name = models.CharField(_("name"), max_length=100)
    authority = models.CharField(_("authority"), max_length=200)
    programme = models.CharField(_("funding programme"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3)
    # 2 for EUR (amounts stored in cents), 0 for JPY (whole yen).
    currency_decimals = models.PositiveSmallIntegerField(_("currency decimals"))
    time_zone = models.CharField(_("time zone"), max_length=64)

    objects = SideQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("Side")
        verbose_name_plural = _("Sides")

    def __str__(self) -> str:
        return str(self.get_code_display())

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def other(self) -> "Side":
        return Side.objects.exclude(pk=self.pk).get()


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=255)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. JP, DE, FR."))
    side = models.ForeignKey(
        Side, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("Side")
    )
    email_domain = models.CharField(_("e-mail domain"), max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [models.UniqueConstraint(fields=["name", "country"], name="organisation_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class User(AbstractUser):
    """A person using the portal. Belongs to at most one Side; roles are SideRole groups."""

    email = models.EmailField(_("e-mail address"), unique=True)
    side = models.ForeignKey(
        Side, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("Side")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.EN)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's roles on their own Side, from their SideRole groups (one query, cached)."""
        if not self.pk:
            return frozenset()
        return frozenset(
            SideRole.objects.filter(group__user=self, side_id=self.side_id).values_list("role", flat=True)
        )

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_officer(self) -> bool:
        return self.has_role(Role.OFFICER)

    @property
    def is_evaluator(self) -> bool:
        return self.has_role(Role.EVALUATOR)

    @property
    def is_researcher(self) -> bool:
        return self.has_role(Role.RESEARCHER)

    @property
    def is_expert(self) -> bool:
        return self.has_role(Role.EXPERT)

    @property
    def is_observer(self) -> bool:
        return self.has_role(Role.OBSERVER)

    @property
    def effective_time_zone(self) -> zoneinfo.ZoneInfo:
        if self.time_zone:
            return zoneinfo.ZoneInfo(self.time_zone)
        if self.side_id:
            return self.side.tzinfo
        return zoneinfo.ZoneInfo("UTC")


class SideRole(models.Model):
    """A role on one Side, backed by a Django group so that guardian can grant to all its members."""

    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="side_role")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["side", "role"], name="side_role_unique")]
        verbose_name = _("role of a Side")
        verbose_name_plural = _("roles of the Sides")

    def __str__(self) -> str:
        return f"{self.side.code} {self.get_role_display()}"


class Approval(models.Model):
    """One Side's approval of one exact version of something both Sides must agree on.

    The same record serves topics, Partnership Plan versions, call texts, deadline changes, late
    submission exceptions and the joint selection list. ``version`` names the exact content approved
    (a revision number or a content hash); approving another version needs a new approval."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    version = models.CharField(max_length=64)
    side = models.ForeignKey(Side, on_delete=models.PROTECT)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["approved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "version", "side"], name="approval_once_per_side"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.side.code} approved {self.content_type.model} #{self.object_id} v{self.version}"


class AuditEntry(models.Model):
    """An append-only line of the audit log; the database refuses UPDATE and DELETE on this table.

    No foreign keys: an entry must outlive the user or object it speaks of."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=255, blank=True)
    actor_side = models.CharField(max_length=2, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    # The Sides that may read this entry ("EU", "JP" or both); officers read their Side's part.
    visible_to = models.CharField(max_length=5, default="EU,JP")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"


def content_hash(data) -> str:
    """SHA-256 of a JSON-serialisable structure, stable across runs (sorted keys)."""
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


# The letter's governance records live in their own module (registered here as loi_portal models).
from .governance_models import *  # noqa: E402, F403 - needs the models above

# The outbox, queued countdowns and failed jobs of the background work (Celery).
from .models_operations import FailedJob, OutboxMessage, OutboxStatus, ScheduledTask  # noqa: E402, F401
