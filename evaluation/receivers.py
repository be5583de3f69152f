"""Evaluation's reactions to the apps below it (wired in ``EvaluationConfig.ready``)."""

from django.dispatch import receiver

from loi_portal.enums import Role
from loi_portal.signals import role_revoked

from . import services


@receiver(role_revoked, dispatch_uid="evaluation.end_assignments_of_revoked_evaluator")
def end_assignments_of_revoked_evaluator(sender, user, role, by, **kwargs):
    """An evaluator whose role ends keeps nothing of the proposals they were assigned."""
    if role == Role.EVALUATOR:
        services.end_assignments_of(user, by=by)
