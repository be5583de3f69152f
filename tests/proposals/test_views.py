"""The researchers' and officers' pages."""

import pytest
from django.urls import reverse

from calls.enums import CallState
from calls.models import Call
from proposals import services
from proposals.enums import ProposalState
from proposals.models import Proposal
from tests.factories import OrganisationFactory, make_call, make_user
from tests.proposals.conftest import ready, start


def _close(call):
    type(call).objects.filter(pk=call.pk).update(state=CallState.CLOSED)
    call.refresh_from_db()
    services.on_call_closed(call)


def test_a_researcher_starts_a_proposal_from_the_page(client_eu_researcher, open_call):
    response = client_eu_researcher.post(
        reverse("proposals:start", args=[open_call.pk]),
        {"acronym": "QLINK", "title": "Quantum links", "abstract": "", "keywords": "量子", "topics": []},
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == reverse("proposals:edit", args=[proposal.pk])
    assert proposal.number.endswith("-0001")


def test_a_failing_start_form_keeps_every_value(client_eu_researcher, open_call):
    response = client_eu_researcher.post(
        reverse("proposals:start", args=[open_call.pk]),
        {
            "acronym": "",
            "title": "Quantum links across two continents",
            "abstract": "量子もつれ",
            "keywords": "QKD",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and not Proposal.objects.exists()
    assert "Quantum links across two continents" in html and "量子もつれ" in html and 'value="QKD"' in html


def _edit_data(proposal, **overrides):
    data = {
        "acronym": proposal.acronym,
        "title": proposal.title,
        "abstract": proposal.abstract,
        "keywords": proposal.keywords,
        "lock_version": proposal.lock_version,
        "partners-TOTAL_FORMS": "1" if any(k.startswith("partners-0-") for k in overrides) else "0",
        "partners-INITIAL_FORMS": "0",
        "partners-MIN_NUM_FORMS": "0",
        "partners-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_the_edit_page_adds_a_partner_with_a_budget_in_major_units(
    client_eu_researcher, eu_researcher, open_call
):
    proposal = start(open_call, eu_researcher)
    jp_org = OrganisationFactory(side_code="JP")
    response = client_eu_researcher.post(
        reverse("proposals:edit", args=[proposal.pk]),
        _edit_data(
            proposal,
            **{
                "partners-0-organisation": jp_org.pk,
                "partners-0-pi_name": "山田 太郎",
                "partners-0-pi_email": "yamada@u.example.jp",
                "partners-0-role": "coordinator",
                "partners-0-requested": "12,345,678",
                "partners-0-erad_id": "ERAD-1",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()
    partner = proposal.partners.get()
    assert (partner.side.code, partner.requested_minor, partner.country) == ("JP", 12_345_678, "JP")


def test_yen_with_decimals_is_refused_and_the_values_are_kept(client_eu_researcher, eu_researcher, open_call):
    proposal = start(open_call, eu_researcher)
    jp_org = OrganisationFactory(side_code="JP")
    response = client_eu_researcher.post(
        reverse("proposals:edit", args=[proposal.pk]),
        _edit_data(
            proposal,
            title="Changed title kept",
            **{
                "partners-0-organisation": jp_org.pk,
                "partners-0-pi_name": "山田 太郎",
                "partners-0-pi_email": "yamada@u.example.jp",
                "partners-0-role": "participant",
                "partners-0-requested": "100.50",
            },
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200 and "JPY" in html
    assert "Changed title kept" in html and "山田 太郎" in html and "100.50" in html
    assert not proposal.partners.exists()


def test_a_stale_edit_gets_a_conflict_message_and_overwrites_nothing(
    client_eu_researcher, eu_researcher, open_call
):
    proposal = start(open_call, eu_researcher)
    stale = proposal.lock_version
    services.update_proposal(proposal, by=eu_researcher, lock_version=stale, title="Saved by a co-applicant")
    response = client_eu_researcher.post(
        reverse("proposals:edit", args=[proposal.pk]), _edit_data(proposal, lock_version=stale, title="Mine")
    )
    html = response.content.decode()
    assert (
        response.status_code == 200 and "Someone else saved this proposal" in html and 'value="Mine"' in html
    )
    assert Proposal.objects.get(pk=proposal.pk).title == "Saved by a co-applicant"


def test_autosave_saves_and_answers_409_to_a_stale_lock_version(
    client_eu_researcher, eu_researcher, open_call
):
    proposal = start(open_call, eu_researcher)
    url = reverse("proposals:autosave", args=[proposal.pk])
    first = client_eu_researcher.post(url, {"lock_version": proposal.lock_version, "title": "Autosaved"})
    assert first.status_code == 200 and first.json()["lock_version"] == proposal.lock_version + 1
    stale = client_eu_researcher.post(url, {"lock_version": proposal.lock_version, "title": "Lost?"})
    assert stale.status_code == 409 and "Someone else" in stale.json()["error"]
    assert Proposal.objects.get(pk=proposal.pk).title == "Autosaved"


def test_submit_page_confirms_then_shows_the_receipt_and_its_pdf(
    client_eu_researcher, eu_researcher, open_call
):
    proposal = ready(open_call, eu_researcher)
    url = reverse("proposals:submit", args=[proposal.pk])
    assert "Submit now" in client_eu_researcher.get(url).content.decode()
    assert client_eu_researcher.post(url, {}).status_code == 200  # no confirmation: nothing happens
    assert not proposal.submissions.exists()
    response = client_eu_researcher.post(url, {"confirm": "on"}, follow=True)
    submission = proposal.submissions.get()
    html = response.content.decode()
    assert submission.sha256 in html and proposal.number in html and "JST" in html and "UTC" in html
    pdf = client_eu_researcher.get(reverse("proposals:receipt_pdf", args=[proposal.pk, 1]))
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )


def test_after_a_real_close_the_submit_page_takes_a_late_exception_and_both_sides_evaluate_it(
    client_eu_researcher, eu_researcher, eu_officer, jp_officer, client_for
):
    import datetime as dt

    from django.utils import timezone

    from calls import services as call_services
    from evaluation.models import CallEvaluation

    call = make_call()
    proposal = ready(call, eu_researcher)
    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    call_services.close_call(Call.objects.get(pk=call.pk))
    url = reverse("proposals:submit", args=[proposal.pk])
    refused = client_eu_researcher.post(url, {"confirm": "on"})
    assert refused.status_code == 200 and "The deadline of this call was" in refused.content.decode()
    exception = services.request_late_exception(
        proposal, by=eu_officer, reason="Outage", expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    services.approve_late_exception(exception, by=eu_officer)
    services.approve_late_exception(exception, by=jp_officer)

    response = client_eu_researcher.post(url, {"confirm": "on"}, follow=True)

    submission = proposal.submissions.get()
    assert response.redirect_chain[-1][0] == reverse("proposals:receipt", args=[proposal.pk, 1])
    assert submission.sha256 in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.UNDER_EVALUATION
    for officer in (eu_officer, jp_officer):
        own = CallEvaluation.objects.get(call=call, side=officer.side)
        page = client_for(officer).get(reverse("evaluation:call", args=[own.pk]))
        assert page.status_code == 200 and proposal.number in page.content.decode()


def test_withdraw_needs_confirmation(client_eu_researcher, eu_researcher, open_call):
    proposal = ready(open_call, eu_researcher)
    url = reverse("proposals:withdraw", args=[proposal.pk])
    client_eu_researcher.post(url, {})
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.DRAFT
    client_eu_researcher.post(url, {"confirm": "on"})
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.WITHDRAWN


def test_invite_and_accept_through_the_pages(
    client_eu_researcher, client_jp_researcher, eu_researcher, jp_researcher, open_call
):
    proposal = start(open_call, eu_researcher)
    client_eu_researcher.post(reverse("proposals:invite", args=[proposal.pk]), {"email": jp_researcher.email})
    member = proposal.members.get(invited_email=jp_researcher.email)
    url = reverse("proposals:accept_invitation", args=[member.invitation_token])
    assert proposal.acronym in client_jp_researcher.get(url).content.decode()
    client_jp_researcher.post(url, {"confirm": "on"})
    assert client_jp_researcher.get(reverse("proposals:detail", args=[proposal.pk])).status_code == 200


PAGES = ["detail", "edit", "annexes", "submit", "withdraw", "invite"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["jp_researcher", "eu_officer", "jp_officer", "other_consortium"])
def test_a_proposal_is_hidden_from_the_other_side_other_consortia_and_officers_before_the_deadline(
    eu_researcher, open_call, client_for, request, page, who
):
    proposal = ready(open_call, eu_researcher)
    services.submit_proposal(proposal, by=eu_researcher)
    if who == "other_consortium":
        user = make_user("JP", "researcher")
        ready(open_call, user, pi_suffix="x")
    else:
        user = request.getfixturevalue(who)
    assert client_for(user).get(reverse(f"proposals:{page}", args=[proposal.pk])).status_code == 404


@pytest.mark.parametrize("who", ["eu_officer", "jp_officer"])
def test_officers_of_both_sides_see_submitted_proposals_after_the_deadline_read_only(
    eu_researcher, open_call, client_for, request, who
):
    proposal = ready(open_call, eu_researcher)
    services.submit_proposal(proposal, by=eu_researcher)
    _close(open_call)
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("proposals:detail", args=[proposal.pk])).status_code == 200
    download = client.get(reverse("proposals:annex_download", args=[proposal.pk, proposal.annexes.get().pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("proposals:edit", args=[proposal.pk])).status_code == 302
    assert (
        client.post(reverse("proposals:withdraw", args=[proposal.pk]), {"confirm": "on"}).status_code == 403
    )


def test_the_researcher_sees_the_state_read_only_after_the_deadline(
    client_eu_researcher, eu_researcher, open_call
):
    proposal = ready(open_call, eu_researcher)
    _close(open_call)
    html = client_eu_researcher.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "Not submitted" in html and "read-only" in html


def test_officers_cannot_list_a_calls_proposals_before_the_deadline(client_eu_officer, open_call):
    assert client_eu_officer.get(reverse("proposals:call_list", args=[open_call.pk])).status_code == 403


def test_officer_list_searches_japanese_text_and_flags_the_same_pi(
    client_jp_officer, eu_researcher, jp_researcher, open_call
):
    import datetime as dt

    a = ready(open_call, eu_researcher, title="量子センシングによる地震早期警報", pi_suffix="same")
    b = ready(open_call, jp_researcher, title="Quantum networks", keywords="QKD", pi_suffix="same")
    for p, who in ((a, eu_researcher), (b, jp_researcher)):
        services.submit_proposal(p, by=who)
    type(open_call).objects.filter(pk=open_call.pk).update(
        deadline=open_call.opens_at + dt.timedelta(hours=1)
    )
    _close(open_call)
    url = reverse("proposals:call_list", args=[open_call.pk])
    html = client_jp_officer.get(url, {"q": "量子"}).content.decode()
    assert a.number in html and b.number not in html
    html = client_jp_officer.get(url).content.decode()
    assert html.count("Same PI elsewhere") == 2


def test_officer_list_flags_a_pi_who_also_runs_a_project(client_eu_officer, eu_researcher, open_call):
    import datetime as dt

    from proposals.models import Partner
    from tests.reporting.helpers import make_project

    project = make_project()
    Partner.objects.filter(proposal=project.proposal, side__code="JP").update(
        pi_email="yamadarun@u-tokyo.example.jp"
    )
    flagged = ready(open_call, eu_researcher, pi_suffix="run")
    clean = ready(open_call, eu_researcher, pi_suffix="new")
    for p in (flagged, clean):
        services.submit_proposal(p, by=eu_researcher)
    type(open_call).objects.filter(pk=open_call.pk).update(
        deadline=open_call.opens_at + dt.timedelta(hours=1)
    )
    _close(open_call)
    html = client_eu_officer.get(reverse("proposals:call_list", args=[open_call.pk])).content.decode()
    assert html.count("Same PI elsewhere") == 1
    row = html[html.index(flagged.number) :].split("</tr>")[0]
    assert "Same PI elsewhere" in row and "yamadarun@u-tokyo.example.jp" in row
    detail = client_eu_officer.get(reverse("proposals:detail", args=[flagged.pk])).content.decode()
    assert "also in another proposal or project" in detail
    detail = client_eu_officer.get(reverse("proposals:detail", args=[clean.pk])).content.decode()
    assert "also in another proposal or project" not in detail


@pytest.mark.parametrize("n", [1, 5])
def test_my_proposals_list_is_flat(
    client_eu_researcher, eu_researcher, open_call, n, django_assert_num_queries
):
    for i in range(n):
        start(open_call, eu_researcher, acronym=f"Q{i}")
    client_eu_researcher.get(reverse("proposals:mine"))  # warm caches (session, roles)
    # One of them reads the database clock (the deadline predicates).
    with django_assert_num_queries(9):
        response = client_eu_researcher.get(reverse("proposals:mine"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 5])
def test_officer_call_list_is_flat(client_eu_officer, eu_researcher, open_call, n, django_assert_num_queries):
    import datetime as dt

    for i in range(n):
        services.submit_proposal(ready(open_call, eu_researcher, pi_suffix=str(i)), by=eu_researcher)
    type(open_call).objects.filter(pk=open_call.pk).update(
        deadline=open_call.opens_at + dt.timedelta(hours=1)
    )
    _close(open_call)
    client_eu_officer.get(reverse("proposals:call_list", args=[open_call.pk]))
    # One of them reads the database clock (the deadline predicates).
    with django_assert_num_queries(12):
        response = client_eu_officer.get(reverse("proposals:call_list", args=[open_call.pk]))
    assert response.status_code == 200


def test_officers_of_both_sides_approve_a_late_submission_on_the_page(
    client_eu_officer, client_jp_officer, eu_researcher, open_call
):
    import datetime as dt

    proposal = ready(open_call, eu_researcher)
    services.submit_proposal(proposal, by=eu_researcher)
    _close(open_call)
    url = reverse("proposals:late_exceptions", args=[proposal.pk])
    expires = (open_call.deadline + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client_eu_officer.post(url, {"reason": "Documented outage of the portal", "expires_at": expires})
    exception = proposal.late_exceptions.get()
    client_eu_officer.post(url, {"approve": exception.pk})
    exception.refresh_from_db()
    assert exception.approved_at is None  # one Side is not enough
    client_jp_officer.post(url, {"approve": exception.pk})
    exception.refresh_from_db()
    assert exception.approved_at is not None
    assert "approved by both Sides" in client_jp_officer.get(url).content.decode()


def test_researchers_cannot_open_the_late_exception_page(client_eu_researcher, eu_researcher, open_call):
    proposal = ready(open_call, eu_researcher)
    assert (
        client_eu_researcher.get(reverse("proposals:late_exceptions", args=[proposal.pk])).status_code == 403
    )
