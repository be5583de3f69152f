"""Every model registered in the admin opens for a superuser: its list, its add page and, where an
object exists, its change page answer what the model admin's own permissions say (200, or 403 where
a read-only or confidential admin refuses by design), never a server error.

One scenario (a call under evaluation with a review, a project, a divergence, an invitation's
e-mail, ...) is built once for the module and rolled back at its end; each page is tried in the
test's own savepoint."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import transaction
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from calls.services import request_opinion
from loi_portal import governance, services
from loi_portal.enums import Role
from loi_portal.models import AuditEntry, FailedJob, OutboxMessage, OutboxStatus, ScheduledTask, User
from reporting import services as reporting
from tests.factories import (
    TopicFactory,
    make_assignment,
    make_call_in_evaluation,
    make_final_consensus,
    make_review,
    make_user,
    side_evaluation,
)
from tests.reporting.helpers import coordinators, make_project

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
EU_PASS = {"excellence": Decimal("4"), "impact": Decimal("4"), "implementation": Decimal("4")}


def _build_scenario() -> User:
    """Objects for as many of the registered models as the factories and services make cheaply;
    returns the superuser, an EU programme officer, so that the confidential admins show them."""
    superuser = make_user("EU", "officer", username="admin_officer")
    User.objects.filter(pk=superuser.pk).update(is_superuser=True, is_staff=True)
    superuser.refresh_from_db()

    _call, (proposal,) = make_call_in_evaluation(1)
    eu_evaluation = side_evaluation(proposal, "EU")
    make_review(make_assignment(eu_evaluation, officer=superuser), EU_PASS)
    make_final_consensus(eu_evaluation, EU_PASS, officer=superuser)
    topic = TopicFactory(proposed_by=superuser)
    services.approve(topic, 1, by=superuser)
    request_opinion(topic, expert=make_user("EU", "expert"), by=superuser)

    project = make_project(officer=superuser)
    report = project.reports.order_by("number").first()
    authors = coordinators(project)
    reporting.add_result(report, by=authors["JP"], kind="publication", title="Joint paper", co_authored=True)
    reporting.add_activity(
        report, by=authors["EU"], kind="meeting", title="Kick-off", start_date=dt.date(2026, 5, 1)
    )
    reporting.submit_report(report, by=authors["EU"])
    reporting.assess_report(report, by=superuser, rating="on_track", comments="Fine")
    reporting.record_exchange_rate(rate_date=dt.date(2026, 4, 1), jpy_per_eur=Decimal("160.5"), by=superuser)

    divergence = governance.open_divergence("Budget split", by=superuser)
    governance.write_divergence_position(divergence, text="The EU view.", by=superuser)
    governance.give_discontinuation_notice(given_on=dt.date(2026, 6, 1), text="Notice.", by=superuser)
    services.invite_user(email="new.evaluator@ec.example.eu", role=Role.EVALUATOR, by=superuser)
    ScheduledTask.objects.create(task_name="calls.close_call", object_id=1, eta=timezone.now())
    FailedJob.objects.create(task_name="calls.close_call", exception="OperationalError()")

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    Token.objects.create(user=superuser)
    TOTPDevice.objects.create(user=superuser, name="Authenticator app", confirmed=True)
    login = {"username": "someone", "ip_address": "127.0.0.1", "user_agent": "pytest", "path_info": "/"}
    AccessAttempt.objects.create(**login, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**login, logout_time=timezone.now() + dt.timedelta(minutes=5))
    AccessFailureLog.objects.create(**login)
    return superuser


@pytest.fixture(scope="module")
def superuser(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with media, django_db_blocker.unblock(), transaction.atomic():
        user = _build_scenario()
        yield user
        transaction.set_rollback(True)


def _request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _expected(allowed: bool) -> int:
    return 200 if allowed else 403


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_every_admin_page_opens_for_a_superuser(model, model_admin, superuser):
    user = User.objects.get(pk=superuser.pk)
    request = _request_for(user)
    client = Client()
    client.force_login(user)
    app, name = model._meta.app_label, model._meta.model_name

    changelist = client.get(reverse(f"admin:{app}_{name}_changelist"))
    assert changelist.status_code == _expected(model_admin.has_view_or_change_permission(request))

    add = client.get(reverse(f"admin:{app}_{name}_add"))
    assert add.status_code == _expected(model_admin.has_add_permission(request))

    visible = model_admin.get_queryset(request).order_by("pk").first()
    if visible is not None:
        change = client.get(reverse(f"admin:{app}_{name}_change", args=[quote(visible.pk)]))
        assert change.status_code == _expected(model_admin.has_view_or_change_permission(request, visible))
    hidden = model._default_manager.exclude(pk__in=model_admin.get_queryset(request).values("pk")).first()
    if hidden is not None:
        # A record outside the superuser's audience is "not found" (back to the admin index).
        response = client.get(reverse(f"admin:{app}_{name}_change", args=[quote(hidden.pk)]))
        assert response.status_code in (302, 403)


def test_the_scenario_gives_most_admins_an_object_to_open(superuser):
    """Guards the test above against a scenario that silently stops making objects."""
    user = User.objects.get(pk=superuser.pk)
    request = _request_for(user)
    with_object = [m for m, ma in REGISTERED if ma.get_queryset(request).exists()]
    assert len(with_object) >= 0.75 * len(REGISTERED), ", ".join(
        sorted(m._meta.label for m, _ in REGISTERED if m not in with_object)
    )


# -- the outbox: read-only, bodies never shown -------------------------------------------------------


def _outbox_client(superuser):
    client = Client()
    client.force_login(User.objects.get(pk=superuser.pk))
    return client


def _invitation_message():
    return OutboxMessage.objects.get(event="account.invite", to_address="new.evaluator@ec.example.eu")


def test_the_outbox_admin_shows_a_message_without_its_body(superuser):
    message = _invitation_message()
    assert "/accounts/reset/" in message.body  # a live password-set link
    client = _outbox_client(superuser)
    page = client.get(reverse("admin:loi_portal_outboxmessage_change", args=[message.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert message.to_address in html and message.subject in html
    assert "/accounts/reset/" not in html and message.body.splitlines()[0][:40] not in html
    assert 'name="body"' not in html and 'name="to_address"' not in html
    listing = client.get(reverse("admin:loi_portal_outboxmessage_changelist"), {"q": "accounts/reset"})
    assert message.to_address not in listing.content.decode()  # the body is not searchable either


def test_the_outbox_admin_cannot_add_change_or_delete_messages(superuser):
    message = _invitation_message()
    client = _outbox_client(superuser)
    change_url = reverse("admin:loi_portal_outboxmessage_change", args=[message.pk])
    redirected = client.post(
        change_url,
        {"to_address": "attacker@example.org", "body": "Click here", "subject": "Hi", "status": "pending"},
    )
    assert redirected.status_code == 403
    assert client.get(reverse("admin:loi_portal_outboxmessage_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:loi_portal_outboxmessage_add"), {"to_address": "x@example.org"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:loi_portal_outboxmessage_delete", args=[message.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    bulk_delete = client.post(
        reverse("admin:loi_portal_outboxmessage_changelist"),
        {"action": "delete_selected", "_selected_action": [message.pk], "post": "yes"},
    )
    assert bulk_delete.status_code == 302  # back to the list: there is no such action here
    actions = client.get(reverse("admin:loi_portal_outboxmessage_changelist")).content.decode()
    assert 'value="retry_failed"' in actions and 'value="delete_selected"' not in actions
    unchanged = OutboxMessage.objects.get(pk=message.pk)
    assert (unchanged.to_address, unchanged.body, unchanged.subject) == (
        message.to_address,
        message.body,
        message.subject,
    )


def test_failed_messages_can_be_queued_again_from_the_outbox_admin(
    superuser, django_capture_on_commit_callbacks
):
    failed = _invitation_message()
    OutboxMessage.objects.filter(pk=failed.pk).update(status=OutboxStatus.FAILED, attempts=5)
    sent = OutboxMessage.objects.create(
        to_address="done@example.org", subject="s", body="b", event="x", status=OutboxStatus.SENT
    )
    response = _outbox_client(superuser).post(
        reverse("admin:loi_portal_outboxmessage_changelist"),
        {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 failed message queued again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxStatus.PENDING, 0)
    assert OutboxMessage.objects.get(pk=sent.pk).status == OutboxStatus.SENT
    assert AuditEntry.objects.filter(
        action="outbox.retry", object_id=str(failed.pk), actor_id=superuser.pk
    ).exists()
