"""The proposals API per role and Side: rows from the selectors (hidden = 404), 400 naming fields,
409 on a stale edit, the same receipt as the page."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from calls.enums import CallState
from proposals import services
from proposals.models import Annex, Proposal
from tests.factories import OrganisationFactory, make_user
from tests.proposals import pdfs
from tests.proposals.conftest import pdf_upload, ready, start


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_researcher_creates_edits_and_submits_a_draft_through_the_api(eu_researcher, open_call):
    client = api(eu_researcher)
    created = client.post(
        reverse("api:proposal-list"),
        {
            "call": open_call.pk,
            "acronym": "QAPI",
            "title": "Quantum API",
            "abstract": "A",
            "topics": [t.pk for t in open_call.topics.all()],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk, lock = created.json()["id"], created.json()["lock_version"]
    changed = client.patch(
        reverse("api:proposal-detail", args=[pk]), {"lock_version": lock, "title": "Better"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["title"] == "Better"
    stale = client.patch(
        reverse("api:proposal-detail", args=[pk]), {"lock_version": lock, "title": "Stale"}, format="json"
    )
    assert stale.status_code == 409
    assert Proposal.objects.get(pk=pk).title == "Better"
    proposal = Proposal.objects.get(pk=pk)
    for org in (OrganisationFactory(side_code="EU"), OrganisationFactory(side_code="JP")):
        response = client.post(
            reverse("api:partner-list"),
            {
                "proposal": pk,
                "organisation": org.pk,
                "pi_name": "PI",
                "pi_email": f"pi@{org.email_domain}",
                "requested_minor": 1000,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    upload = client.post(
        reverse("api:annex-list"),
        {"proposal": pk, "kind": "technical", "file": pdf_upload()},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    receipt = client.post(reverse("api:proposal-submit", args=[pk]))
    assert receipt.status_code == 201, receipt.json()
    submission = proposal.submissions.get()
    assert receipt.json()["sha256"] == submission.sha256 and receipt.json()["version"] == 1
    assert receipt.json()["submitted_at_tokyo"].endswith("+09:00")
    listed = client.get(reverse("api:submission-list"), {"proposal": pk}).json()["results"]
    assert listed[0]["receipt"] == receipt.json()


def test_a_missing_field_is_a_400_naming_it(eu_researcher, open_call):
    response = api(eu_researcher).post(reverse("api:proposal-list"), {"call": open_call.pk}, format="json")
    assert response.status_code == 400 and {"acronym", "title"} <= set(response.json())


def test_an_api_upload_of_a_bad_pdf_is_a_400_on_the_file(eu_researcher, open_call):
    proposal = start(open_call, eu_researcher)
    response = api(eu_researcher).post(
        reverse("api:annex-list"),
        {"proposal": proposal.pk, "kind": "technical", "file": pdf_upload(pdfs.pdf_with_javascript())},
        format="multipart",
    )
    assert response.status_code == 400 and "JavaScript" in response.json()["file"][0]
    assert not Annex.objects.exists()


def test_a_partner_cannot_request_from_the_other_side_through_the_api(eu_researcher, open_call):
    proposal = start(open_call, eu_researcher)
    response = api(eu_researcher).post(
        reverse("api:partner-list"),
        {
            "proposal": proposal.pk,
            "organisation": OrganisationFactory(side_code="JP").pk,
            "pi_name": "P",
            "pi_email": "p@u.example.jp",
            "requested_minor": 5,
            "erad_id": "",
            "lock_version": 999,
        },
        format="json",
    )
    assert response.status_code == 409


def test_submitting_late_through_the_api_is_a_400_with_the_deadline(eu_researcher, open_call):
    proposal = ready(open_call, eu_researcher)
    type(open_call).objects.filter(pk=open_call.pk).update(
        deadline=services.server_now() - dt.timedelta(seconds=1)
    )
    response = api(eu_researcher).post(reverse("api:proposal-submit", args=[proposal.pk]))
    assert response.status_code == 400 and "deadline" in response.json()["non_field_errors"][0]


@pytest.mark.parametrize(
    "who", ["jp_researcher", "eu_officer", "jp_officer", "jp_evaluator", "other_consortium"]
)
def test_a_proposal_is_404_through_the_api_for_everyone_outside_before_the_deadline(
    eu_researcher, open_call, request, who
):
    proposal = ready(open_call, eu_researcher)
    services.submit_proposal(proposal, by=eu_researcher)
    user = make_user("EU", "researcher") if who == "other_consortium" else request.getfixturevalue(who)
    client = api(user)
    annex = proposal.annexes.get()
    assert client.get(reverse("api:proposal-detail", args=[proposal.pk])).status_code == 404
    assert client.get(reverse("api:annex-download", args=[annex.pk])).status_code == 404
    assert client.post(reverse("api:proposal-submit", args=[proposal.pk])).status_code == 404
    assert client.post(reverse("api:proposal-withdraw", args=[proposal.pk])).status_code == 404
    assert client.get(reverse("api:proposal-list")).json()["results"] == []
    assert client.get(reverse("api:submission-list")).json()["results"] == []
    assert client.get(reverse("api:partner-list")).json()["results"] == []


@pytest.mark.parametrize("who", ["eu_officer", "jp_officer"])
def test_officers_of_both_sides_read_but_cannot_change_after_the_deadline(
    eu_researcher, open_call, request, who
):
    proposal = ready(open_call, eu_researcher)
    services.submit_proposal(proposal, by=eu_researcher)
    type(open_call).objects.filter(pk=open_call.pk).update(state=CallState.CLOSED)
    services.on_call_closed(open_call)
    client = api(request.getfixturevalue(who))
    assert client.get(reverse("api:proposal-detail", args=[proposal.pk])).status_code == 200
    download = client.get(reverse("api:annex-download", args=[proposal.annexes.get().pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    patch = client.patch(
        reverse("api:proposal-detail", args=[proposal.pk]), {"lock_version": 0, "title": "X"}, format="json"
    )
    assert patch.status_code == 403
    assert client.post(reverse("api:proposal-withdraw", args=[proposal.pk])).status_code == 403


def test_a_co_applicant_of_the_other_side_edits_through_the_api(eu_researcher, jp_researcher, open_call):
    proposal = start(open_call, eu_researcher)
    member = services.invite_co_applicant(proposal, by=eu_researcher, email=jp_researcher.email)
    services.accept_invitation(member.invitation_token, by=jp_researcher)
    proposal.refresh_from_db()
    response = api(jp_researcher).patch(
        reverse("api:proposal-detail", args=[proposal.pk]),
        {"lock_version": proposal.lock_version, "keywords": "量子"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["keywords"] == "量子"


def test_anonymous_callers_are_refused(open_call):
    assert APIClient().get(reverse("api:proposal-list")).status_code in (401, 403)


@pytest.mark.parametrize("n", [1, 5])
def test_the_api_proposal_list_is_flat(eu_researcher, open_call, n, django_assert_num_queries):
    for i in range(n):
        start(open_call, eu_researcher, acronym=f"Q{i}")
    client = api(eu_researcher)
    with django_assert_num_queries(3):  # count, page, topics
        response = client.get(reverse("api:proposal-list"))
    assert len(response.json()["results"]) == n
