"""Labels of reporting's stored codes (snapshots keep codes, pages show labels)."""

from django import template

from loi_portal.enums import Sensitivity

from ..enums import ActivityKind, ExchangeDirection, ResultKind

register = template.Library()


@register.filter
def sensitivity_text(value):
    return dict(Sensitivity.choices).get(value, value)


@register.filter
def result_kind(value):
    return dict(ResultKind.choices).get(value, value)


@register.filter
def activity_kind(value):
    return dict(ActivityKind.choices).get(value, value)


@register.filter
def exchange_direction(value):
    return dict(ExchangeDirection.choices).get(value, value or "—")
