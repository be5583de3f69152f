"""Demo proposals on the open call: drafted, with partners of both Sides and a PDF annex made in
code, some submitted with receipts. Idempotent: a proposal found by its acronym is left as it is."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from calls.enums import CallState

from . import services
from .enums import MemberRole
from .models import Proposal

DEMO = [
    # acronym, coordinator, title, abstract, keywords, submit, invite
    (
        "QLINK",
        "eu_researcher",
        "Quantum links between Tokyo and Brussels",
        "An intercontinental quantum key distribution testbed joining European and Japanese networks.",
        "QKD, quantum networks, cybersecurity",
        True,
        "jp_researcher",
    ),
    (
        "QSEIS",
        "jp_researcher",
        "量子センシングによる地震・津波早期警報 (Quantum sensing for earthquake and tsunami early warning)",
        "量子重力計のネットワークで地震と津波を早期に検知する。"
        "Networks of quantum gravimeters for early warning.",
        "量子, gravimetry, seismic",
        True,
        None,
    ),
    (
        "QMAT",
        "eu_researcher",
        "Quantum simulation of battery materials",
        "",
        "quantum simulation, materials",
        False,
        None,
    ),
]


def demo_pdf(title: str, pages: int = 3) -> bytes:
    """A small annex generated in code (blank pages with a title in the metadata)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _org(orgs, side_code: str, skip: int = 0):
    of_side = [o for o in orgs if o.side.code == side_code]
    return of_side[skip % len(of_side)] if of_side else None


def seed(ctx: dict) -> list[tuple[str, str, str]]:
    call = ctx.get("open_call")
    users = ctx.get("users", {})
    orgs = ctx.get("organisations", [])
    ctx["proposals"] = []
    if call is None or call.state != CallState.OPEN or not call_open_now(call):
        return []
    for index, (acronym, username, title, abstract, keywords, submit, invitee) in enumerate(DEMO):
        coordinator = users.get(username)
        if coordinator is None:
            continue
        proposal = Proposal.objects.filter(call=call, acronym=acronym).first()
        if proposal is None:
            proposal = services.start_proposal(
                call,
                by=coordinator,
                acronym=acronym,
                title=title,
                abstract=abstract,
                keywords=keywords,
                topics=list(call.topics.all()[:1]),
            )
            other = users.get(invitee) if invitee else None
            if other is not None:
                member = services.invite_co_applicant(proposal, by=coordinator, email=other.email)
                services.accept_invitation(member.invitation_token, by=other)
            eu_org, jp_org = _org(orgs, "EU", index), _org(orgs, "JP", index)
            if eu_org is not None:
                services.save_partner(
                    proposal,
                    by=coordinator,
                    organisation=eu_org,
                    pi_name="Anna Schmidt" if index != 1 else "Jean Dupont",
                    pi_email=f"pi.{acronym.lower()}@{eu_org.email_domain or 'eu.example.org'}",
                    role=MemberRole.COORDINATOR,
                    requested_minor=[90_000_000, 120_000_000, 50_000_000][index],
                )
            if jp_org is not None:
                services.save_partner(
                    proposal,
                    by=coordinator,
                    organisation=jp_org,
                    pi_name="山田 太郎" if index != 1 else "佐藤 花子",
                    pi_email=f"pi.{acronym.lower()}@{jp_org.email_domain or 'jp.example.org'}",
                    role=MemberRole.COORDINATOR,
                    requested_minor=[45_000_000, 55_000_000, 30_000_000][index],
                    erad_id=f"ERAD-{2026_0000 + index}",
                )
            services.add_annex(
                proposal,
                by=coordinator,
                file=SimpleUploadedFile(f"{acronym}-technical-annex.pdf", demo_pdf(title), "application/pdf"),
            )
            services.add_annex(
                proposal,
                by=coordinator,
                kind="coordination_agreement",
                file=SimpleUploadedFile(f"{acronym}-coordination-agreement.pdf", demo_pdf("Agreement", 2)),
            )
            if submit and not services.submission_blockers(proposal):
                services.submit_proposal(proposal, by=coordinator)
            proposal.refresh_from_db()
        ctx["proposals"].append(proposal)
    return []


def call_open_now(call) -> bool:
    return services.call_is_open(call, now=services.server_now())
