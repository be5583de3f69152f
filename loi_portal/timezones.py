"""The two Sides' clocks: every instant is stored in UTC and shown in Tokyo and Brussels time."""

import datetime as dt
import zoneinfo

from django.utils.translation import gettext_lazy as _

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
UTC = dt.UTC

ZONE_CHOICES = [("Europe/Brussels", _("Brussels")), ("Asia/Tokyo", _("Tokyo"))]


def in_both_zones(instant: dt.datetime) -> dict[str, dt.datetime]:
    return {
        "utc": instant.astimezone(UTC),
        "tokyo": instant.astimezone(TOKYO),
        "brussels": instant.astimezone(BRUSSELS),
    }


def localise(naive: dt.datetime, zone_name: str) -> dt.datetime:
    """Attach a Side's zone to a wall-clock time an officer typed and convert it to UTC.

    A wall-clock time that does not exist (spring forward) or is ambiguous (fall back) is refused by
    the form before it gets here; ``fold=0`` picks the first of two ambiguous readings."""
    return naive.replace(tzinfo=zoneinfo.ZoneInfo(zone_name)).astimezone(UTC)


def is_nonexistent_or_ambiguous(naive: dt.datetime, zone_name: str) -> bool:
    zone = zoneinfo.ZoneInfo(zone_name)
    a = naive.replace(tzinfo=zone, fold=0)
    b = naive.replace(tzinfo=zone, fold=1)
    if a.utcoffset() != b.utcoffset():
        return True
    # A time skipped by the clock change does not survive the round trip through UTC.
    return a.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive
