"""Template helpers: instants in both Sides' time zones, amounts in their currency, sensitivity labels."""

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _

from loi_portal.enums import Sensitivity
from loi_portal.money import format_amount
from loi_portal.timezones import in_both_zones

register = template.Library()


@register.inclusion_tag("loi_portal/_both_zones.html")
def both_zones(instant, show_utc=False):
    """An instant in Tokyo and Brussels time side by side (and UTC on request)."""
    if instant is None:
        return {"instant": None}
    zones = in_both_zones(instant)
    return {"instant": instant, "show_utc": show_utc, **zones}


@register.filter
def zoned(instant, fmt="Y-m-d H:i T"):
    return formats.date_format(instant, fmt) if instant else ""


@register.simple_tag
def money(minor, currency):
    return format_amount(minor, currency)


@register.simple_tag
def sensitivity_label(value):
    labels = dict(Sensitivity.choices)
    css = {
        Sensitivity.PUBLIC: "text-bg-success",
        Sensitivity.JOINT: "text-bg-info",
        Sensitivity.SIDE: "text-bg-warning",
        Sensitivity.RESTRICTED: "text-bg-danger",
    }.get(value, "text-bg-secondary")
    return format_html(
        '<span class="badge {}" title="{}">{}</span>', css, _("Sensitivity"), labels.get(value, value)
    )
