"""``{% discontinuation_banner %}``: the notice on every page once a Side gave notice of discontinuation."""

from django import template

from loi_portal.governance import discontinuation_notice

register = template.Library()


@register.inclusion_tag("loi_portal/governance/_discontinuation_banner.html")
def discontinuation_banner():
    """One query per page; empty when no Side gave notice."""
    return {"notice": discontinuation_notice()}
