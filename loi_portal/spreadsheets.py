"""Cells of every CSV and Excel export: a text a spreadsheet would run as a formula is neutralised
(OWASP "CSV injection"). The audit-log CSV and the reporting tables both go through ``neutralise``."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value):
    """A text starting like a formula gets a leading apostrophe; other values are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
