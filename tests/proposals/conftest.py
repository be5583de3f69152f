"""Helpers of the proposals tests: proposals made through the services, ready to submit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from proposals import services
from tests.factories import OrganisationFactory, make_user, side
from tests.proposals.pdfs import good_pdf


def pdf_upload(data: bytes | None = None, name: str = "annex.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else good_pdf(), content_type="application/pdf")


def start(call, researcher, **kwargs):
    return services.start_proposal(
        call,
        by=researcher,
        acronym=kwargs.pop("acronym", "QLINK"),
        title=kwargs.pop("title", "Quantum links between Tokyo and Brussels"),
        abstract=kwargs.pop("abstract", "An intercontinental QKD testbed."),
        keywords=kwargs.pop("keywords", "QKD, 量子"),
        topics=kwargs.pop("topics", list(call.topics.all())),
    )


def add_partners(proposal, by, *, eu_minor=100_000_00, jp_minor=50_000_000, pi_suffix=""):
    eu_org = OrganisationFactory(side_code="EU")
    jp_org = OrganisationFactory(side_code="JP")
    services.save_partner(
        proposal,
        by=by,
        organisation=eu_org,
        pi_name="Anna Schmidt",
        pi_email=f"anna{pi_suffix}@tu.example.de",
        role="coordinator",
        requested_minor=eu_minor,
    )
    services.save_partner(
        proposal,
        by=by,
        organisation=jp_org,
        pi_name="山田 太郎",
        pi_email=f"yamada{pi_suffix}@u-tokyo.example.jp",
        role="coordinator",
        requested_minor=jp_minor,
        erad_id="ERAD-12345",
    )


def ready(call, researcher, **kwargs):
    """A draft with partners of both Sides and a technical annex: nothing blocks its submission."""
    pi_suffix = kwargs.pop("pi_suffix", "")
    proposal = start(call, researcher, **kwargs)
    add_partners(proposal, researcher, pi_suffix=pi_suffix)
    services.add_annex(proposal, by=researcher, file=pdf_upload())
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def ready_proposal(open_call, eu_researcher):
    return ready(open_call, eu_researcher)


@pytest.fixture
def other_researchers(db):
    """Researchers of both Sides in no consortium."""
    return {"EU": make_user("EU", "researcher"), "JP": make_user("JP", "researcher")}


__all__ = ["side"]
