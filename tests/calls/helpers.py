"""Builders of calls-app objects that go through the services (for the lifecycle tests)."""

import datetime as dt

from django.utils import timezone

from calls import services
from tests.factories import TopicFactory


def plan_data(*, eu_funding_minor=700_000_000, jp_funding_minor=1_000_000_000, **overrides):
    data = {
        "evaluation_procedure": "Each Side evaluates every eligible proposal under its own criteria.",
        "selection_procedure": "A proposal is selected only when both Sides agree.",
        "timeline": [{"name": "Call opens", "date": "2027-01-15"}],
        "reporting_cycle_months": 12,
        "final_report": True,
        "progress_assessment": "Officers of both Sides assess each report.",
        "terms": {
            "EU": {**services.default_side_terms("EU"), "funding_minor": eu_funding_minor},
            "JP": {**services.default_side_terms("JP"), "funding_minor": jp_funding_minor},
        },
    }
    data.update(overrides)
    return data


def in_force_version(eu_officer, jp_officer, **kwargs):
    version = services.create_plan(by=eu_officer, name="Plan", **plan_data(**kwargs))
    services.approve_plan_version(version, by=eu_officer)
    services.approve_plan_version(version, by=jp_officer)
    version.refresh_from_db()
    return version


def budgets(eu=500_000_000, jp=800_000_000, eu_per=100_000_000, jp_per=60_000_000):
    return {
        "EU": {"cap_minor": eu, "per_proposal_cap_minor": eu_per},
        "JP": {"cap_minor": jp, "per_proposal_cap_minor": jp_per},
    }


_n = iter(range(1, 10**6))


def draft_call(eu_officer, jp_officer, *, version=None, opens_in=dt.timedelta(days=1), **kwargs):
    version = version or in_force_version(eu_officer, jp_officer)
    now = timezone.now()
    opens_at = kwargs.pop("opens_at", now + opens_in)
    return services.create_call(
        by=eu_officer,
        title=kwargs.pop("title", "Quantum technologies for resilient societies"),
        identifier=kwargs.pop("identifier", f"EUJ-QST-{next(_n):04d}"),
        description="A joint call.",
        topics=kwargs.pop("topics", None) or [TopicFactory()],
        plan_version=version,
        opens_at=opens_at,
        deadline=kwargs.pop("deadline", now + dt.timedelta(days=30)),
        budgets=kwargs.pop("budgets", budgets()),
        **kwargs,
    )


def approved_draft(eu_officer, jp_officer, **kwargs):
    call = draft_call(eu_officer, jp_officer, **kwargs)
    services.approve_call_text(call, by=eu_officer)
    services.approve_call_text(call, by=jp_officer)
    return call


def published_call(eu_officer, jp_officer, **kwargs):
    call = approved_draft(eu_officer, jp_officer, **kwargs)
    return services.publish_call(call, by=jp_officer)
