"""Extension points of the core for the apps above it.

Each signal is sent with ``send()`` (never ``send_robust()``) inside the transaction of the change it
reports, so a receiver that fails rolls the change back."""

from django.dispatch import Signal

# Sent by ``loi_portal.services.revoke_role`` after the role's group was removed from the user.
# kwargs: user (the User who lost the role), role (a ``Role`` value), by (the acting User or None).
# Receivers end whatever access the role gave in their app (an evaluator's assignments, for example).
role_revoked = Signal()
