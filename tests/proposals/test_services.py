"""Rules of drafting, consortia, partners, submission and the closing of a call, on PostgreSQL."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from calls.enums import CallState
from loi_portal import clock
from loi_portal.models import AuditEntry
from proposals import services
from proposals.enums import MemberRole, ProposalState
from proposals.models import Partner, Proposal, Submission
from proposals.selectors import proposals_for_user
from tests.factories import OrganisationFactory, make_call, make_user, side
from tests.proposals.conftest import add_partners, pdf_upload, ready, start

# -- drafting and numbering ------------------------------------------------------------------------------


def test_starting_makes_a_readable_number_and_the_starter_coordinator_of_their_side(open_call, eu_researcher):
    first = start(open_call, eu_researcher)
    second = start(open_call, eu_researcher, acronym="QTWO")
    assert first.number == f"{open_call.identifier}-0001"
    assert second.number == f"{open_call.identifier}-0002"
    member = first.members.get()
    assert (member.user, member.side.code, member.role) == (eu_researcher, "EU", MemberRole.COORDINATOR)
    assert eu_researcher.has_perm("proposals.change_proposal", first)


@pytest.mark.parametrize("state", [CallState.PUBLISHED, CallState.CLOSED])
def test_a_proposal_cannot_be_started_on_a_call_that_is_not_open(state, eu_researcher):
    call = make_call(state=state)
    with pytest.raises(ValidationError):
        start(call, eu_researcher)


def test_an_officer_cannot_start_a_proposal(open_call, eu_officer):
    with pytest.raises(ValidationError):
        start(open_call, eu_officer)


def test_topics_must_belong_to_the_call(open_call, eu_researcher):
    other = make_call()
    with pytest.raises(ValidationError) as info:
        start(open_call, eu_researcher, topics=list(other.topics.all()))
    assert "topics" in info.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_on_one_call_get_distinct_numbers():
    call = make_call()
    researchers = [make_user("EU", "researcher") for _ in range(4)]
    numbers, errors = [], []

    def run(user):
        try:
            numbers.append(start(call, user).number)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in researchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"{call.identifier}-{n:04d}" for n in range(1, 5)]


# -- consortium ---------------------------------------------------------------------------------------------


def test_invited_co_applicant_of_the_other_side_becomes_its_coordinator(
    open_call, eu_researcher, jp_researcher, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = start(open_call, eu_researcher)
    with django_capture_on_commit_callbacks(execute=True):
        member = services.invite_co_applicant(proposal, by=eu_researcher, email=jp_researcher.email)
    assert any(str(member.invitation_token) in m.body for m in mailoutbox)
    services.accept_invitation(member.invitation_token, by=jp_researcher)
    member.refresh_from_db()
    assert (member.user, member.side.code, member.role) == (jp_researcher, "JP", MemberRole.COORDINATOR)
    assert proposals_for_user(jp_researcher).filter(pk=proposal.pk).exists()


def test_second_co_applicant_of_a_side_with_a_coordinator_is_a_co_applicant(open_call, eu_researcher):
    colleague = make_user("EU", "researcher")
    proposal = start(open_call, eu_researcher)
    member = services.invite_co_applicant(proposal, by=eu_researcher, email=colleague.email)
    services.accept_invitation(member.invitation_token, by=colleague)
    member.refresh_from_db()
    assert member.role == MemberRole.CO_APPLICANT


def test_an_invitation_cannot_be_accepted_by_someone_else(open_call, eu_researcher, jp_researcher):
    intruder = make_user("JP", "researcher")
    proposal = start(open_call, eu_researcher)
    member = services.invite_co_applicant(proposal, by=eu_researcher, email=jp_researcher.email)
    with pytest.raises(ValidationError):
        services.accept_invitation(member.invitation_token, by=intruder)
    assert not proposals_for_user(intruder).filter(pk=proposal.pk).exists()


def test_removing_a_member_revokes_their_access(open_call, eu_researcher, jp_researcher):
    proposal = start(open_call, eu_researcher)
    member = services.invite_co_applicant(proposal, by=eu_researcher, email=jp_researcher.email)
    member = services.accept_invitation(member.invitation_token, by=jp_researcher)
    services.remove_member(member, by=eu_researcher)
    assert not proposals_for_user(jp_researcher).filter(pk=proposal.pk).exists()
    jp_researcher = type(jp_researcher).objects.get(pk=jp_researcher.pk)
    assert not jp_researcher.has_perm("proposals.view_proposal", proposal)


# -- partners and budgets ------------------------------------------------------------------------------------


def test_a_partner_requests_from_its_own_side_only(open_call, eu_researcher):
    proposal = start(open_call, eu_researcher)
    jp_org = OrganisationFactory(side_code="JP")
    with pytest.raises(ValidationError) as info:
        services.save_partner(
            proposal,
            by=eu_researcher,
            organisation=jp_org,
            side=side("EU"),
            pi_name="X",
            pi_email="x@example.jp",
            requested_minor=1,
        )
    assert "side" in info.value.message_dict
    partner = services.save_partner(
        proposal,
        by=eu_researcher,
        organisation=jp_org,
        pi_name="X",
        pi_email="X@Example.JP",
        requested_minor=1,
    )
    assert partner.side.code == "JP" and partner.pi_email == "x@example.jp"


def test_the_database_refuses_a_partner_of_another_side_than_its_organisation(proposal):
    eu_org = OrganisationFactory(side_code="EU")
    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.create(
            proposal=proposal,
            organisation=eu_org,
            side=side("JP"),
            country="DE",
            pi_name="X",
            pi_email="x@e.eu",
        )


def test_only_japanese_partners_carry_an_erad_id(open_call, eu_researcher):
    proposal = start(open_call, eu_researcher)
    with pytest.raises(ValidationError) as info:
        services.save_partner(
            proposal,
            by=eu_researcher,
            organisation=OrganisationFactory(side_code="EU"),
            pi_name="X",
            pi_email="x@e.eu",
            erad_id="123",
        )
    assert "erad_id" in info.value.message_dict


def test_checklist_names_what_blocks_submission(open_call, eu_researcher):
    proposal = start(open_call, eu_researcher, abstract="")
    blockers = " ".join(services.submission_blockers(proposal))
    assert "abstract" in blockers
    assert "Japan" in blockers and "European Union" in blockers
    assert "technical annex" in blockers


def test_checklist_refuses_a_side_total_above_the_per_proposal_cap(open_call, eu_researcher):
    proposal = start(open_call, eu_researcher)
    add_partners(proposal, eu_researcher, jp_minor=60_000_001)
    blockers = " ".join(services.submission_blockers(proposal))
    assert "¥60,000,001" in blockers and "¥60,000,000" in blockers


def test_checklist_requires_the_calls_minimum_of_partners_per_side(eu_researcher):
    call = make_call(min_participants_per_side=2)
    proposal = ready(call, eu_researcher)
    assert any("2 partner" in b for b in services.submission_blockers(proposal))
    with pytest.raises(ValidationError):
        services.submit_proposal(proposal, by=eu_researcher)


# -- optimistic concurrency --------------------------------------------------------------------------------


def test_a_stale_lock_version_is_a_conflict_and_overwrites_nothing(open_call, eu_researcher, jp_researcher):
    proposal = start(open_call, eu_researcher)
    member = services.invite_co_applicant(proposal, by=eu_researcher, email=jp_researcher.email)
    services.accept_invitation(member.invitation_token, by=jp_researcher)
    loaded = proposal.lock_version
    services.update_proposal(proposal, by=eu_researcher, lock_version=loaded, title="EU title")
    with pytest.raises(services.EditConflict):
        services.update_proposal(proposal, by=jp_researcher, lock_version=loaded, title="JP title")
    assert Proposal.objects.get(pk=proposal.pk).title == "EU title"


# -- submission and the deadline ---------------------------------------------------------------------------


def _travel_db_clock(monkeypatch):
    """time-machine moves Python's clock; the submission reads the database clock through
    ``server_now``, which the test points at the travelled clock."""
    monkeypatch.setattr(clock, "now", timezone.now)


def test_submission_one_second_before_the_deadline_is_accepted(ready_proposal, eu_researcher, monkeypatch):
    _travel_db_clock(monkeypatch)
    deadline = ready_proposal.call.deadline
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        submission = services.submit_proposal(ready_proposal, by=eu_researcher)
    assert submission.version == 1
    assert submission.submitted_at == deadline - dt.timedelta(seconds=1)


def test_submission_at_the_deadline_instant_is_accepted(ready_proposal, eu_researcher, monkeypatch):
    _travel_db_clock(monkeypatch)
    with time_machine.travel(ready_proposal.call.deadline, tick=False):
        assert services.submit_proposal(ready_proposal, by=eu_researcher).version == 1


def test_submission_one_second_late_is_refused_with_the_deadline_in_the_users_zone(
    ready_proposal, jp_researcher, eu_researcher, monkeypatch
):
    _travel_db_clock(monkeypatch)
    deadline = ready_proposal.call.deadline
    eu_researcher.time_zone = "Asia/Tokyo"
    with (
        time_machine.travel(deadline + dt.timedelta(seconds=1), tick=False),
        pytest.raises(ValidationError) as info,
    ):
        services.submit_proposal(ready_proposal, by=eu_researcher)
    expected = deadline.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%d %H:%M:%S")
    assert expected in info.value.messages[0] and "Asia/Tokyo" in info.value.messages[0]
    assert not Submission.objects.filter(proposal=ready_proposal).exists()


def test_the_real_database_clock_decides_a_second_either_side(eu_researcher):
    """Without any patching: the deadline is set from the database clock itself."""
    accepted = ready(make_call(), eu_researcher)
    refused = ready(make_call(), eu_researcher)
    Call = type(accepted.call)
    Call.objects.filter(pk=refused.call_id).update(deadline=services.server_now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError):
        services.submit_proposal(refused, by=eu_researcher)
    Call.objects.filter(pk=accepted.call_id).update(deadline=services.server_now() + dt.timedelta(seconds=1))
    assert services.submit_proposal(accepted, by=eu_researcher).version == 1


def test_submission_freezes_a_snapshot_with_hashes_and_sends_the_receipt(
    ready_proposal, eu_researcher, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = services.submit_proposal(ready_proposal, by=eu_researcher)
    assert callbacks and mailoutbox == []  # the e-mail waits for the commit
    ready_proposal.refresh_from_db()
    assert ready_proposal.state == ProposalState.SUBMITTED and ready_proposal.submitted_version == 1
    annex = ready_proposal.annexes.get()
    assert submission.snapshot["annexes"][0]["sha256"] == annex.sha256
    assert len(submission.sha256) == 64 and list(submission.annexes.all()) == [annex]
    receipt = services.receipt_of(submission)
    assert receipt["submitted_at_tokyo"].utcoffset() == dt.timedelta(hours=9)


def test_the_receipt_email_goes_to_the_coordinators_after_commit(
    ready_proposal, eu_researcher, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submit_proposal(ready_proposal, by=eu_researcher)
    sent = [m for m in mailoutbox if submission.sha256 in m.body]
    assert [m.to for m in sent] == [[eu_researcher.email]]
    assert ready_proposal.number in sent[0].subject


def test_resubmission_makes_a_new_version_and_the_last_one_counts(ready_proposal, eu_researcher):
    services.submit_proposal(ready_proposal, by=eu_researcher)
    services.update_proposal(ready_proposal, by=eu_researcher, lock_version=None, title="Better title")
    second = services.submit_proposal(ready_proposal, by=eu_researcher)
    ready_proposal.refresh_from_db()
    assert second.version == 2 and ready_proposal.submitted_version == 2
    assert second.snapshot["proposal"]["title"] == "Better title"
    assert (
        Submission.objects.get(proposal=ready_proposal, version=1).snapshot["proposal"]["title"]
        != "Better title"
    )


def test_an_outsider_cannot_submit(ready_proposal, other_researchers):
    with pytest.raises(ValidationError):
        services.submit_proposal(ready_proposal, by=other_researchers["JP"])


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_proposal_lose_no_version_and_duplicate_none():
    call = make_call()
    researcher = make_user("EU", "researcher")
    proposal = ready(call, researcher)
    barrier = threading.Barrier(2)
    versions, errors = [], []

    def run():
        try:
            barrier.wait()
            versions.append(
                services.submit_proposal(Proposal.objects.get(pk=proposal.pk), by=researcher).version
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(versions) == [1, 2]
    assert sorted(Submission.objects.filter(proposal=proposal).values_list("version", flat=True)) == [1, 2]
    assert Proposal.objects.get(pk=proposal.pk).submitted_version == 2


def test_withdrawal_until_the_deadline_then_refused(ready_proposal, eu_researcher, monkeypatch):
    _travel_db_clock(monkeypatch)
    deadline = ready_proposal.call.deadline
    with time_machine.travel(deadline + dt.timedelta(seconds=1), tick=False), pytest.raises(ValidationError):
        services.withdraw_proposal(ready_proposal, by=eu_researcher)
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        services.withdraw_proposal(ready_proposal, by=eu_researcher)
    assert Proposal.objects.get(pk=ready_proposal.pk).state == ProposalState.WITHDRAWN


def test_after_the_deadline_the_proposal_is_read_only(ready_proposal, eu_researcher, monkeypatch):
    _travel_db_clock(monkeypatch)
    with time_machine.travel(ready_proposal.call.deadline + dt.timedelta(seconds=1), tick=False):
        with pytest.raises(ValidationError):
            services.update_proposal(ready_proposal, by=eu_researcher, lock_version=None, title="Late edit")
        with pytest.raises(ValidationError):
            services.add_annex(ready_proposal, by=eu_researcher, file=pdf_upload())


# -- late-submission exceptions -------------------------------------------------------------------------


def test_a_late_submission_needs_both_sides_approval_and_is_logged_for_both(
    ready_proposal, eu_researcher, eu_officer, jp_officer, monkeypatch
):
    _travel_db_clock(monkeypatch)
    deadline = ready_proposal.call.deadline
    exception = services.request_late_exception(
        ready_proposal,
        by=eu_officer,
        reason="Portal outage 16:40-17:00 CET",
        expires_at=deadline + dt.timedelta(hours=2),
    )
    services.approve_late_exception(exception, by=eu_officer)
    with time_machine.travel(deadline + dt.timedelta(minutes=30), tick=False):
        with pytest.raises(ValidationError):
            services.submit_proposal(ready_proposal, by=eu_researcher)
        services.approve_late_exception(exception, by=jp_officer)
        submission = services.submit_proposal(ready_proposal, by=eu_researcher)
    assert submission.late_exception == exception
    entry = AuditEntry.objects.get(action="proposal.late_submission", object_id=str(ready_proposal.pk))
    assert entry.visible_to == "EU,JP"
    with time_machine.travel(deadline + dt.timedelta(hours=3), tick=False), pytest.raises(ValidationError):
        services.submit_proposal(ready_proposal, by=eu_researcher)


def _closed_for_real(call):
    """The deadline passes and the deadline task's service closes the call (which starts its
    evaluation at once)."""
    from calls import services as call_services

    type(call).objects.filter(pk=call.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    call.refresh_from_db()
    call_services.close_call(call)
    call.refresh_from_db()


def _late_exception_both_sides_approved(proposal, eu_officer, jp_officer):
    exception = services.request_late_exception(
        proposal,
        by=eu_officer,
        reason="Portal outage 16:40-17:00 CET",
        expires_at=timezone.now() + dt.timedelta(hours=2),
    )
    services.approve_late_exception(exception, by=eu_officer)
    services.approve_late_exception(exception, by=jp_officer)
    return exception


def test_a_late_exception_still_counts_after_the_call_closed_and_the_proposal_enters_both_evaluations(
    eu_researcher, eu_officer, jp_officer
):
    from evaluation.selectors import proposal_evaluations_for_user

    call = make_call()
    on_time = ready(call, eu_researcher, pi_suffix="a")
    services.submit_proposal(on_time, by=eu_researcher)
    late = ready(call, eu_researcher, pi_suffix="b")
    _closed_for_real(call)
    assert call.state == CallState.UNDER_EVALUATION
    assert Proposal.objects.get(pk=late.pk).state == ProposalState.NOT_SUBMITTED
    with pytest.raises(ValidationError, match="The deadline of this call was"):
        services.submit_proposal(late, by=eu_researcher)  # no exception yet
    exception = _late_exception_both_sides_approved(late, eu_officer, jp_officer)

    submission = services.submit_proposal(late, by=eu_researcher)

    assert submission.late_exception == exception and submission.version == 1
    late.refresh_from_db()
    assert late.state == ProposalState.UNDER_EVALUATION and late.submitted_version == 1
    for officer in (eu_officer, jp_officer):
        listed = proposal_evaluations_for_user(officer).filter(call_evaluation__call=call)
        assert sorted(listed.values_list("proposal__number", flat=True)) == sorted(
            [on_time.number, late.number]
        )
        assert proposals_for_user(officer, call).filter(pk=late.pk).exists()
    assert AuditEntry.objects.filter(action="evaluation.proposal_entered", object_id=str(late.pk)).exists()


def test_a_late_exception_cannot_let_a_proposal_in_once_the_joint_selection_started(
    eu_researcher, eu_officer, jp_officer
):
    call = make_call()
    late = ready(call, eu_researcher)
    _closed_for_real(call)
    _late_exception_both_sides_approved(late, eu_officer, jp_officer)
    type(call).objects.filter(pk=call.pk).update(state=CallState.SELECTION)
    with pytest.raises(ValidationError, match="no longer possible"):
        services.submit_proposal(late, by=eu_researcher)
    late.refresh_from_db()
    assert late.state == ProposalState.NOT_SUBMITTED and not late.submissions.exists()


def test_a_late_proposal_is_refused_once_a_side_released_its_consensus(eu_researcher, eu_officer, jp_officer):
    from evaluation.models import CallEvaluation, ProposalEvaluation

    call = make_call()
    late = ready(call, eu_researcher)
    _closed_for_real(call)
    _late_exception_both_sides_approved(late, eu_officer, jp_officer)
    CallEvaluation.objects.filter(call=call, side__code="JP").update(released_at=timezone.now())
    with pytest.raises(ValidationError, match="JP Side has already released"):
        services.submit_proposal(late, by=eu_researcher)
    late.refresh_from_db()  # the whole submission rolled back
    assert late.state == ProposalState.NOT_SUBMITTED and not late.submissions.exists()
    assert not ProposalEvaluation.objects.filter(proposal=late).exists()


def test_entering_evaluation_twice_makes_one_evaluation_per_side(eu_researcher, eu_officer, jp_officer):
    from evaluation.models import ProposalEvaluation
    from evaluation.services import enter_evaluation

    call = make_call()
    late = ready(call, eu_researcher)
    _closed_for_real(call)
    _late_exception_both_sides_approved(late, eu_officer, jp_officer)
    services.submit_proposal(late, by=eu_researcher)
    enter_evaluation(Proposal.objects.select_related("call").get(pk=late.pk))
    assert sorted(ProposalEvaluation.objects.filter(proposal=late).values_list("side__code", flat=True)) == [
        "EU",
        "JP",
    ]


def test_a_researcher_cannot_request_a_late_exception(ready_proposal, eu_researcher):
    with pytest.raises(ValidationError):
        services.request_late_exception(
            ready_proposal,
            by=eu_researcher,
            reason="please",
            expires_at=timezone.now() + dt.timedelta(days=1),
        )


# -- closing of the call ------------------------------------------------------------------------------------


def _close(call):
    type(call).objects.filter(pk=call.pk).update(state=CallState.CLOSED)
    call.refresh_from_db()
    services.on_call_closed(call)


def test_closing_locks_drafts_keeps_withdrawn_and_shows_submitted_to_both_sides_officers(
    open_call, eu_researcher, eu_officer, jp_officer
):
    submitted = ready(open_call, eu_researcher, pi_suffix="1")
    services.submit_proposal(submitted, by=eu_researcher)
    draft = ready(open_call, eu_researcher, pi_suffix="2")
    withdrawn = ready(open_call, eu_researcher, pi_suffix="3")
    services.withdraw_proposal(withdrawn, by=eu_researcher)
    assert not proposals_for_user(eu_officer).exists()  # before the deadline: hidden
    _close(open_call)
    _close(open_call)  # idempotent
    states = dict(Proposal.objects.filter(call=open_call).values_list("pk", "state"))
    assert states == {
        submitted.pk: ProposalState.SUBMITTED,
        draft.pk: ProposalState.NOT_SUBMITTED,
        withdrawn.pk: ProposalState.WITHDRAWN,
    }
    for officer in (eu_officer, jp_officer):
        assert list(proposals_for_user(officer, open_call).values_list("pk", flat=True)) == [submitted.pk]


def test_closing_a_large_call_takes_a_fixed_number_of_queries(
    open_call, eu_researcher, django_assert_max_num_queries
):
    for n in range(30):
        proposal = Proposal.objects.create(
            call=open_call, number=f"BULK-{n}", acronym="B", title="T", created_by=eu_researcher
        )
        if n % 2:
            Proposal.objects.filter(pk=proposal.pk).update(state=ProposalState.SUBMITTED)
    with django_assert_max_num_queries(15):
        services.on_call_closed(open_call)
    assert Proposal.objects.filter(call=open_call, state=ProposalState.NOT_SUBMITTED).count() == 15


# -- duplicate funding ------------------------------------------------------------------------------------


def test_the_same_pi_in_two_proposals_of_the_call_is_flagged(open_call, eu_researcher, jp_researcher):
    ready(open_call, eu_researcher, pi_suffix="same")
    ready(open_call, jp_researcher, pi_suffix="same")
    ready(open_call, jp_researcher, pi_suffix="other")
    assert services.duplicate_pi_emails(open_call) == {
        "annasame@tu.example.de",
        "yamadasame@u-tokyo.example.jp",
    }


def test_a_pi_who_runs_a_project_is_flagged_in_a_proposal_of_the_call(
    open_call, eu_researcher, jp_researcher
):
    from tests.reporting.helpers import make_project

    project = make_project()
    # The running project's PIs, typed differently there: the flag ignores case.
    Partner.objects.filter(proposal=project.proposal, side__code="EU").update(
        pi_email="AnnaRun@TU.example.de"
    )
    Partner.objects.filter(proposal=project.proposal, side__code="JP").update(
        pi_email="yamadagone@u-tokyo.example.jp"
    )
    also_running = ready(open_call, eu_researcher, pi_suffix="run")  # annarun@tu.example.de
    services.submit_proposal(also_running, by=eu_researcher)
    ready(open_call, jp_researcher, pi_suffix="other")
    withdrawn = ready(open_call, jp_researcher, pi_suffix="gone")
    services.withdraw_proposal(withdrawn, by=jp_researcher)  # withdrawn proposals are not looked at

    assert services.duplicate_pi_emails(open_call) == {"annarun@tu.example.de"}
    # A list page asks only about its rows' e-mails: the same answer for the rows it shows.
    rows = {"annarun@tu.example.de", "yamadarun@u-tokyo.example.jp", "annaother@tu.example.de"}
    assert services.duplicate_pi_emails(open_call, among=rows) == {"annarun@tu.example.de"}
    assert services.duplicate_pi_emails(open_call, among={"annaother@tu.example.de"}) == set()


def test_the_database_refuses_to_change_a_frozen_submission(ready_proposal, eu_researcher):
    submission = services.submit_proposal(ready_proposal, by=eu_researcher)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(snapshot={"forged": True})
    assert Submission.objects.get(pk=submission.pk).sha256 == submission.sha256


def test_closing_the_call_through_the_calls_service_locks_drafts_and_shows_officers(
    eu_researcher, eu_officer, jp_officer
):
    from calls import services as call_services

    call = make_call()
    submitted = ready(call, eu_researcher, pi_suffix="a")
    services.submit_proposal(submitted, by=eu_researcher)
    draft = ready(call, eu_researcher, pi_suffix="b")
    type(call).objects.filter(pk=call.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    call.refresh_from_db()
    call_services.close_call(call)
    assert Proposal.objects.get(pk=draft.pk).state == ProposalState.NOT_SUBMITTED
    assert proposals_for_user(jp_officer, call).get() == submitted
    assert proposals_for_user(eu_officer, call).get() == submitted
