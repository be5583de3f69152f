"""Writes and transitions of the evaluation: eligibility, assignments, conflicts, reviews,
consensus, release, joint selection and funding decisions."""

from __future__ import annotations


def on_evaluation_started(call, *, by=None) -> None:
    """Called by the call's transition to UNDER_EVALUATION, in its transaction: every eligible
    submitted proposal enters evaluation on both Sides at once (the eligibility list of each Side).
    Filled in by the evaluation capability."""
