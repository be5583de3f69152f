from django.db import models
from django.utils.translation import gettext_lazy as _


class Challenge(models.TextChoices):
    """The global challenges named in section I of the letter."""

    CLIMATE = "climate", _("Climate change")
    SEISMIC = "seismic", _("Seismic / tsunami")
    MATERIALS = "materials", _("Material science")
    CYBERSECURITY = "cybersecurity", _("Cybersecurity")
    ENERGY = "energy", _("Energy sustainability")
    OTHER = "other", _("Other")


class OpinionStance(models.TextChoices):
    PENDING = "pending", _("Not yet given")
    SUPPORT = "support", _("Support")
    RESERVATIONS = "reservations", _("Reservations")
    OPPOSITION = "opposition", _("Opposition")


class CallState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    UNDER_EVALUATION = "under_evaluation", _("Under evaluation")
    SELECTION = "selection", _("Selection")
    AWARDED = "awarded", _("Awarded")
    ARCHIVED = "archived", _("Archived")


ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    CallState.DRAFT: {CallState.PUBLISHED},
    CallState.PUBLISHED: {CallState.OPEN, CallState.DRAFT},
    CallState.OPEN: {CallState.CLOSED},
    CallState.CLOSED: {CallState.UNDER_EVALUATION},
    CallState.UNDER_EVALUATION: {CallState.SELECTION},
    CallState.SELECTION: {CallState.AWARDED},
    CallState.AWARDED: {CallState.ARCHIVED},
    CallState.ARCHIVED: set(),
}

# States in which the public may browse a call.
PUBLIC_STATES = {
    CallState.PUBLISHED,
    CallState.OPEN,
    CallState.CLOSED,
    CallState.UNDER_EVALUATION,
    CallState.SELECTION,
    CallState.AWARDED,
    CallState.ARCHIVED,
}


class CallDocumentKind(models.TextChoices):
    """Documents published with a call (part of its text, approved by both Sides)."""

    GUIDE = "guide", _("Guide for applicants")
    TEMPLATE = "template", _("Proposal template")
    AGREEMENT = "agreement", _("Model coordination agreement")
    FAQ = "faq", _("Questions and answers")
    OTHER = "other", _("Other document")
