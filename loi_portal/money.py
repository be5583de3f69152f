"""Amounts are integers in a currency's minor unit (JPY: yen, EUR: cents); never converted silently."""

from decimal import Decimal

SYMBOLS = {"EUR": "€", "JPY": "¥"}
DECIMALS = {"EUR": 2, "JPY": 0}


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """Parse a major-unit amount (e.g. "1234.56" EUR) into minor units, refusing extra precision."""
    value = Decimal(str(amount))
    scaled = value.scaleb(DECIMALS[currency])
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} amounts have at most {DECIMALS[currency]} decimals")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-DECIMALS[currency])


def format_amount(minor: int | None, currency: str) -> str:
    """¥1,234,567 and €1,234,567.89."""
    if minor is None:
        return "—"
    decimals = DECIMALS[currency]
    value = from_minor(minor, currency)
    sign = "-" if value < 0 else ""
    return f"{sign}{SYMBOLS[currency]}{abs(value):,.{decimals}f}"
