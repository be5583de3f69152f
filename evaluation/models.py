"""Evaluator assignments, conflicts of interest, reviews, consensus, rankings, joint selection, funding.

Every record of one Side's evaluation carries that Side; the selectors keep it behind the Side's wall
until the Side releases its consensus for the call (``CallEvaluation.released_at``)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from calls.models import Call, Criterion
from loi_portal.models import Side
from proposals.models import Partner, Proposal

from .enums import (
    DEFAULT_EVALUATORS_PER_PROPOSAL,
    AssignmentState,
    Confidence,
    ConsensusState,
    ReviewRequestState,
    ReviewState,
    SelectionOutcome,
)


class CallEvaluation(models.Model):
    """One Side's evaluation of one call: its settings and whether it released its consensus."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="side_evaluations")
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    evaluators_per_proposal = models.PositiveSmallIntegerField(
        _("evaluators per proposal"),
        default=DEFAULT_EVALUATORS_PER_PROPOSAL,
        validators=[MinValueValidator(1)],
    )
    started_at = models.DateTimeField(auto_now_add=True)
    # Written only by ``services.release_consensus``.
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["call", "side"]
        verbose_name = _("evaluation of a call by a Side")
        verbose_name_plural = _("evaluations of calls by a Side")
        constraints = [models.UniqueConstraint(fields=["call", "side"], name="call_evaluation_once_per_side")]

    def __str__(self) -> str:
        return f"{self.call.identifier} {self.side.code}"

    @property
    def is_released(self) -> bool:
        return self.released_at is not None


class ProposalEvaluation(models.Model):
    """One Side's evaluation of one proposal: eligibility, co-reviewer visibility, and its consensus."""

    call_evaluation = models.ForeignKey(CallEvaluation, on_delete=models.CASCADE, related_name="proposals")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="side_evaluations")
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    eligible = models.BooleanField(_("eligible"), default=True)
    ineligibility_reason = models.TextField(_("reason for ineligibility"), blank=True)
    eligibility_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    eligibility_decided_at = models.DateTimeField(null=True, blank=True)
    # The officer's choice: once they submitted, reviewers of this proposal see each other's reviews.
    reviewers_see_each_other = models.BooleanField(_("reviewers see each other's reviews"), default=False)
    # The officer or the evaluator named rapporteur who writes the consensus.
    rapporteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rapporteur_of",
        verbose_name=_("rapporteur"),
    )

    class Meta:
        ordering = ["proposal__number", "side"]
        verbose_name = _("evaluation of a proposal by a Side")
        verbose_name_plural = _("evaluations of proposals by a Side")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "side"], name="proposal_evaluation_once_per_side")
        ]

    def __str__(self) -> str:
        return f"{self.proposal.number} {self.side.code}"


class Assignment(models.Model):
    """An evaluator of the Side assigned to a proposal, and their declaration of conflicts of interest."""

    evaluation = models.ForeignKey(ProposalEvaluation, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("evaluator"),
    )
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    # Written only by ``services._set_assignment_state``.
    state = models.CharField(
        _("state"), max_length=12, choices=AssignmentState.choices, default=AssignmentState.PENDING
    )
    conflict_type = models.CharField(_("type of conflict"), max_length=40, blank=True)
    conflict_note = models.TextField(_("explanation"), blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evaluation", "assigned_at"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "evaluator"],
                condition=models.Q(state__in=["pending", "active"]),
                name="one_open_assignment_per_evaluator",
            )
        ]
        indexes = [models.Index(fields=["evaluator", "state"])]

    def __str__(self) -> str:
        return f"{self.evaluator} on {self.evaluation}"


class Review(models.Model):
    """An evaluator's individual review of one assignment."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    # Written only by ``services.submit_review``.
    state = models.CharField(
        _("state"), max_length=12, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    overall_comment = models.TextField(_("overall comment"), blank=True)
    confidence = models.CharField(_("confidence"), max_length=8, choices=Confidence.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assignment"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"Review of {self.assignment}"


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["review", "criterion__order"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="review_score_once")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Consensus(models.Model):
    """One Side's consensus on one proposal. Totals and threshold results are computed by the
    services from the consensus scores and the plan's criteria, never typed."""

    evaluation = models.OneToOneField(ProposalEvaluation, on_delete=models.CASCADE, related_name="consensus")
    # Written only by ``services.finalise_consensus`` / ``reopen_consensus``.
    state = models.CharField(
        _("state"), max_length=12, choices=ConsensusState.choices, default=ConsensusState.DRAFT
    )
    overall_comment = models.TextField(_("overall comment"), blank=True)
    majority_view = models.TextField(_("majority view"), blank=True)
    minority_view = models.TextField(_("minority view"), blank=True)
    total = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    weighted_total = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    passes_thresholds = models.BooleanField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency: the officers and the rapporteur send the version they started from
    # (0 before the first save); every save, finalisation and reopening increments it.
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("consensus")
        verbose_name_plural = _("consensus reports")

    def __str__(self) -> str:
        return f"Consensus on {self.evaluation}"


class ConsensusScore(models.Model):
    consensus = models.ForeignKey(Consensus, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    passes = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["consensus", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["consensus", "criterion"], name="consensus_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class SelectionList(models.Model):
    """The joint selection of a call. In effect when an officer of each Side approved the same list
    (``loi_portal.services.approve`` with the content hash of the entries)."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="selection_list")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Incremented by every change of an entry, so that an approval never carries over to a later
    # change that happens to restore an earlier content.
    revision = models.PositiveIntegerField(default=0)
    # Written only by ``services.approve_selection`` when both Sides approved this hash.
    effective_hash = models.CharField(max_length=64, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    first_effective_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("joint selection list")
        verbose_name_plural = _("joint selection lists")

    def __str__(self) -> str:
        return f"Selection of {self.call.identifier}"


class SelectionEntry(models.Model):
    selection = models.ForeignKey(SelectionList, on_delete=models.CASCADE, related_name="entries")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="selection_entries")
    outcome = models.CharField(
        _("outcome"),
        max_length=14,
        choices=SelectionOutcome.choices,
        default=SelectionOutcome.UNDECIDED,
        blank=True,
    )
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["selection", "proposal__number"]
        verbose_name = _("selection entry")
        verbose_name_plural = _("selection entries")
        constraints = [models.UniqueConstraint(fields=["selection", "proposal"], name="selection_entry_once")]

    def __str__(self) -> str:
        return f"{self.proposal.number}: {self.get_outcome_display()}"


class FundingDecision(models.Model):
    """A Side's funding of one of its own participants of a selected proposal, in its currency's minor
    unit. The services keep it within the partner's request and the Side's budget for the call."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="funding_decisions")
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="funding_decisions")
    partner = models.OneToOneField(Partner, on_delete=models.PROTECT, related_name="funding_decision")
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField(_("amount"), validators=[MinValueValidator(0)])
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["call", "side", "proposal__number"]
        verbose_name = _("funding decision")
        verbose_name_plural = _("funding decisions")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gte=0), name="funding_not_negative"),
        ]
        indexes = [models.Index(fields=["call", "side"])]

    def __str__(self) -> str:
        return f"{self.partner} {self.amount_minor}"

    @property
    def currency(self) -> str:
        return self.side.currency


class ReviewRequest(models.Model):
    """An applicant's request for evaluation review (about procedure, not merits) to one Side."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="review_requests")
    side = models.ForeignKey(
        Side, on_delete=models.PROTECT, related_name="+", verbose_name=_("Side concerned")
    )
    text = models.TextField(_("what went wrong in the procedure"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    # Written only by ``services.answer_review_request``.
    state = models.CharField(
        _("state"), max_length=10, choices=ReviewRequestState.choices, default=ReviewRequestState.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("request for evaluation review")
        verbose_name_plural = _("requests for evaluation review")

    def __str__(self) -> str:
        return f"Review request on {self.proposal.number} ({self.side.code})"
