"""The one clock that decides every instant: the database server's.

Every decision that compares with an instant (a call opening or closing, the deadline predicates in
front of the services, deadline changes, late-exception approval and expiry, the review-request window,
report due dates and reminders) reads ``clock.now()``. Web processes and workers may run on machines
whose clocks drift apart; the database is the one place they all share, so a process whose clock runs
fast can neither close a call early nor refuse an on-time action.

Call it as ``clock.now()`` (``from loi_portal import clock``), not ``from loi_portal.clock import now``:
tests that travel Python's clock with time-machine point this one name at ``timezone.now``."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone


def now() -> dt.datetime:
    """The database server's clock (``clock_timestamp()``: the instant of the call, not the start of the
    transaction), in UTC."""
    if connection.vendor != "postgresql":
        # The SQLite demo has one process and no database clock function: Python's clock it is.
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]
