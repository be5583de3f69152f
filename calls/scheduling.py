"""Keeps the Celery schedule in step with a call's instants (opening and deadline).

The call services call ``call_instants_changed`` after publishing a call and after a deadline change
is applied; the Celery capability fills it in. The request-time deadline check stays the guard."""


def call_instants_changed(call) -> None:
    """Schedule (after commit) whatever must happen at ``call.opens_at`` and ``call.deadline``."""
