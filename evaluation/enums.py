"""States and kinds of the evaluation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentState(models.TextChoices):
    # Assigned; the evaluator has not declared yet and sees only the title and the consortium.
    PENDING = "pending", _("Awaiting conflict declaration")
    # Declared no conflict: the evaluator may read and score the proposal.
    ACTIVE = "active", _("No conflict declared")
    # Declared a conflict: access removed, the officers reassign.
    CONFLICT = "conflict", _("Conflict of interest declared")
    # Withdrawn by an officer.
    REMOVED = "removed", _("Removed")


# Assignments that count against an evaluator's workload and the number of evaluators per proposal.
OPEN_ASSIGNMENT_STATES = (AssignmentState.PENDING, AssignmentState.ACTIVE)


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ConsensusState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class SelectionOutcome(models.TextChoices):
    UNDECIDED = "", _("Not decided")
    SELECTED = "selected", _("Selected")
    RESERVE = "reserve", _("Reserve")
    NOT_SELECTED = "not_selected", _("Not selected")


class ReviewRequestState(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")


# Default lists of conflict types, used when the Partnership Plan gives none for a Side.
JP_CONFLICT_TYPES = [
    ("relative", _("Relative of an applicant")),
    ("same_organisation", _("Same department, laboratory or company as an applicant")),
    ("close_collaborator", _("Close collaborator of an applicant in the last 5 years")),
    ("mentor_student", _("Mentor or student of an applicant")),
    ("competitor", _("Direct competitor")),
    ("other", _("Other")),
]
EU_CONFLICT_TYPES = [
    ("involved_in_preparation", _("Involved in the preparation of the proposal")),
    (
        "stands_to_benefit",
        _("Stands to benefit directly or indirectly if the proposal is accepted or rejected"),
    ),
    ("family_relationship", _("Close family or personal relationship with an applicant")),
    ("employed_by_applicant", _("Employed or contracted by an applicant organisation in the last 3 years")),
    ("advisory_role", _("Director, trustee, partner or advisory role in an applicant organisation")),
    ("competitor", _("Direct competitor of an applicant")),
    ("other", _("Other")),
]
DEFAULT_CONFLICT_TYPES = {"EU": EU_CONFLICT_TYPES, "JP": JP_CONFLICT_TYPES}

DEFAULT_EVALUATORS_PER_PROPOSAL = 3
REVIEW_REQUEST_DAYS = 30
