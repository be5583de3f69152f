"""Kinds and states shared by every app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SideCode(models.TextChoices):
    EU = "EU", _("European Union")
    JP = "JP", _("Japan")


class Role(models.TextChoices):
    OFFICER = "officer", _("Programme officer")
    EXPERT = "expert", _("Expert")
    RESEARCHER = "researcher", _("Researcher")
    EVALUATOR = "evaluator", _("Evaluator")
    OBSERVER = "observer", _("Observer")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles a programme officer may invite on their own Side; researchers register themselves.
INVITABLE_ROLES = (Role.OFFICER, Role.EXPERT, Role.EVALUATOR, Role.OBSERVER)


class Sensitivity(models.TextChoices):
    """Who may read a record (the letter, section III.1)."""

    PUBLIC = "public", _("Public")
    JOINT = "joint", _("Joint (both Sides' officers)")
    SIDE = "side", _("Side-internal")
    RESTRICTED = "restricted", _("Restricted (named people)")


class Language(models.TextChoices):
    EN = "en", _("English")
    JA = "ja", _("Japanese")
