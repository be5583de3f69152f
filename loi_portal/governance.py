"""The letter's own state, asked by the other apps (the governance capability fills these in)."""

import datetime as dt


def new_calls_allowed(at: dt.datetime | None = None) -> bool:
    """False from the effective date of a Side's discontinuation: no new call may be published."""
    return True


def discontinuation_notice(at: dt.datetime | None = None) -> str:
    """The notice running calls show once a discontinuation is known, or ""."""
    return ""
