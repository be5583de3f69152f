from django.db import models
from django.utils.translation import gettext_lazy as _


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # After the deadline: a draft that was never submitted is locked, a submitted one is evaluated.
    NOT_SUBMITTED = "not_submitted", _("Not submitted")
    UNDER_EVALUATION = "under_evaluation", _("Under evaluation")
    INELIGIBLE = "ineligible", _("Ineligible")
    SELECTED = "selected", _("Selected")
    RESERVE = "reserve", _("Reserve")
    NOT_SELECTED = "not_selected", _("Not selected")


EDITABLE_STATES = {ProposalState.DRAFT, ProposalState.SUBMITTED}


class PartnerRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PARTICIPANT = "participant", _("Participant")


class AnnexKind(models.TextChoices):
    TECHNICAL = "technical", _("Technical annex")
    COORDINATION_AGREEMENT = "coordination_agreement", _("Coordination agreement (draft)")
    OTHER = "other", _("Other")


class MemberRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator of a Side")
    CO_APPLICANT = "co_applicant", _("Co-applicant")
