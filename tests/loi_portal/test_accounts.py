"""Accounts: invitations to roles, the confirmation an existing account gives, and password reset."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loi_portal import services
from loi_portal.enums import Role
from loi_portal.models import AuditEntry, OutboxMessage, User
from loi_portal.security.middleware import PRIVILEGED_KEY
from tests.factories import OrganisationFactory, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "kvantum-2026-tokyo"


def _link_path(message) -> str:
    """The path of the portal link in an e-mail (the message's SITE_URL stripped)."""
    links = re.findall(r"https?://\S+", message.body)
    assert len(links) == 1, message.body
    return links[0].removeprefix(settings.SITE_URL.rstrip("/"))


def _register(client, email: str, side_code: str = "JP") -> User:
    """Self-registration, which never proves that the registrant owns the address."""
    response = client.post(
        reverse("register"),
        {
            "first_name": "Mallory",
            "last_name": "Stranger",
            "username": "mallory",
            "email": email,
            "organisation": OrganisationFactory(side_code=side_code).pk,
            "language": "en",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    return User.objects.get(username="mallory")


def _roles(user) -> frozenset[str]:
    return User.objects.get(pk=user.pk).roles


@pytest.fixture
def stranger(client):
    """Someone who registered a researcher account under the address an officer is about to invite."""
    return _register(client, "new.officer@cao.example.jp")


def _invite_through_the_page(officer, client_for, capture, email: str, role: str):
    with capture(execute=True):
        return client_for(officer).post(reverse("invite"), {"email": email, "role": role}, follow=True)


def test_inviting_a_registered_address_does_not_make_its_account_an_officer(
    stranger, jp_officer, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    response = _invite_through_the_page(
        jp_officer, client_for, django_capture_on_commit_callbacks, "New.Officer@cao.example.jp", "officer"
    )
    assert response.status_code == 200
    assert "sent a link to confirm the role" in response.content.decode()
    assert _roles(stranger) == {Role.RESEARCHER}
    # The address gets a link to confirm the role, not a password link.
    assert [m.to for m in mailoutbox] == [["new.officer@cao.example.jp"]]
    path = _link_path(mailoutbox[0])
    assert path.startswith("/accounts/roles/confirm/")
    assert "Programme officer" in mailoutbox[0].body
    assert AuditEntry.objects.filter(action="account.invite", object_id=str(stranger.pk)).exists()
    assert not AuditEntry.objects.filter(
        action="role.grant", object_id=str(stranger.pk), actor_id=jp_officer.pk
    )


def test_the_confirmation_link_grants_the_role_only_to_the_account_it_was_sent_to(
    stranger, jp_officer, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    _invite_through_the_page(
        jp_officer, client_for, django_capture_on_commit_callbacks, stranger.email, "officer"
    )
    path = _link_path(mailoutbox[0])

    # Not logged in: the log-in page, which comes back to the link.
    response = Client().post(path)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))

    # Any other account, of either Side, the inviting officer included: refused, nothing granted.
    jp_researcher = make_user("JP", "researcher")
    for other in (jp_officer, jp_researcher, make_user("EU", "officer")):
        other_client = client_for(other)
        assert other_client.get(path).status_code == 403
        assert other_client.post(path).status_code == 403
    assert Role.OFFICER not in _roles(stranger) and Role.OFFICER not in _roles(jp_researcher)

    # The account holder sees the offer; only accepting it (POST) grants the role.
    own = client_for(stranger)
    page = own.get(path)
    assert page.status_code == 200 and "Programme officer" in page.content.decode()
    assert Role.OFFICER not in _roles(stranger)
    response = own.post(path)
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert _roles(stranger) == {Role.RESEARCHER, Role.OFFICER}
    # From the next request on, the session has an officer's shorter limits.
    own.get(reverse("dashboard"))
    assert own.session[PRIVILEGED_KEY] is True
    grant = AuditEntry.objects.get(action="role.grant", object_id=str(stranger.pk), details__role="officer")
    assert grant.actor_id == jp_officer.pk
    assert AuditEntry.objects.filter(action="role.confirm", actor_id=stranger.pk).exists()

    # Used once: the same link does nothing more.
    assert own.post(path).status_code == 400


def test_a_tampered_confirmation_link_is_refused(stranger, jp_officer, client_for, mailoutbox):
    token = services.role_confirmation_token(stranger, Role.OFFICER, by=jp_officer)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    own = client_for(stranger)
    for bad in (forged, "nonsense", "x" * 300):
        response = own.post(reverse("confirm_role", args=[bad]))
        assert response.status_code == 400
        assert "invalid or has expired" in response.content.decode()
    assert Role.OFFICER not in _roles(stranger)


def test_the_confirmation_link_expires_like_the_invitations_password_link(stranger, jp_officer, client_for):
    token = services.role_confirmation_token(stranger, Role.OFFICER, by=jp_officer)
    path = reverse("confirm_role", args=[token])
    later = timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with time_machine.travel(later):
        assert client_for(stranger).post(path).status_code == 400
    assert Role.OFFICER not in _roles(stranger)


def test_a_revoked_role_is_not_restored_by_the_old_link(stranger, jp_officer, client_for):
    token = services.role_confirmation_token(stranger, Role.EVALUATOR, by=jp_officer)
    services.confirm_role(token, by=stranger)
    services.revoke_role(User.objects.get(pk=stranger.pk), Role.EVALUATOR, by=jp_officer)
    response = client_for(stranger).post(reverse("confirm_role", args=[token]))
    assert response.status_code == 400
    assert Role.EVALUATOR not in _roles(stranger)


def test_the_link_lapses_when_the_inviter_is_no_longer_an_officer(stranger, jp_officer, client_for):
    token = services.role_confirmation_token(stranger, Role.OFFICER, by=jp_officer)
    services.revoke_role(jp_officer, Role.OFFICER, by=None)
    assert client_for(stranger).post(reverse("confirm_role", args=[token])).status_code == 400
    assert Role.OFFICER not in _roles(stranger)


def test_an_officer_of_the_other_side_cannot_invite_into_the_eu_side(
    jp_officer, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    eu_person = make_user("EU", "researcher", email="researcher@tu.example.de")
    response = _invite_through_the_page(
        jp_officer, client_for, django_capture_on_commit_callbacks, eu_person.email, "officer"
    )
    assert response.status_code == 200
    assert "belongs to the other Side" in response.content.decode()
    assert mailoutbox == [] and not OutboxMessage.objects.exists()
    eu_person.refresh_from_db()
    assert eu_person.side.code == "EU" and _roles(eu_person) == {Role.RESEARCHER}
    # Nor does a link the JP officer made for that account grant anything.
    token = services.role_confirmation_token(eu_person, Role.OFFICER, by=jp_officer)
    assert client_for(eu_person).post(reverse("confirm_role", args=[token])).status_code == 400
    assert _roles(eu_person) == {Role.RESEARCHER}


def test_inviting_an_account_to_a_role_it_holds_says_so(jp_officer, client_for):
    evaluator = make_user("JP", "evaluator")
    response = client_for(jp_officer).post(reverse("invite"), {"email": evaluator.email, "role": "evaluator"})
    assert response.status_code == 200
    assert "already holds this role" in response.content.decode()


def test_a_pending_invitation_is_sent_again_with_a_new_password_link(
    jp_officer, mailoutbox, django_capture_on_commit_callbacks
):
    """An invited account without a password can only be entered through a link mailed to its
    address, so inviting it again (to the same or another role) grants at once and re-sends the link."""
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.invite_user(email="pending@cao.example.jp", role=Role.EVALUATOR, by=jp_officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_user(email="pending@cao.example.jp", role=Role.EVALUATOR, by=jp_officer)
        services.invite_user(email="pending@cao.example.jp", role=Role.EXPERT, by=jp_officer)
    assert _roles(invited) == {Role.EVALUATOR, Role.EXPERT}
    assert len(mailoutbox) == 3
    assert all(_link_path(m).startswith("/accounts/reset/") for m in mailoutbox)


# -- "Forgotten your password?" ------------------------------------------------------------------------


def _invited_evaluator(officer, capture):
    with capture(execute=True):
        return services.invite_user(email="late.reviewer@cao.example.jp", role=Role.EVALUATOR, by=officer)


def _registered_researcher(capture):
    client = Client()
    with capture(execute=True):
        return _register(client, "researcher@u-tokyo.example.jp")


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _ask_for_a_reset(email: str, capture):
    with capture(execute=True):
        return Client().post(reverse("password_reset"), {"email": email}, follow=True)


@pytest.mark.parametrize("who", ["invited", "registered"])
def test_a_forgotten_password_is_reset_through_the_mailed_link_and_the_new_one_logs_in(
    who, jp_officer, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    if who == "invited":
        user = _invited_evaluator(jp_officer, capture)
        invitation_link = _link_path(mailoutbox[0])
    else:
        user = _registered_researcher(capture)
    mailoutbox.clear()
    # Past the invitation link's life: only "Forgotten your password?" helps now.
    later = timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 3600)
    with time_machine.travel(later):
        if who == "invited":
            assert (
                "This link is no longer valid" in Client().get(invitation_link, follow=True).content.decode()
            )
        page = _ask_for_a_reset(user.email.upper(), capture)
        assert page.redirect_chain[-1][0] == reverse("password_reset_done")
        assert [m.to for m in mailoutbox] == [[user.email]]
        assert OutboxMessage.objects.filter(event="account.password_reset", recipient=user).count() == 1

        visitor = Client()
        form = visitor.get(_link_path(mailoutbox[0]), follow=True)
        set_password_url = form.redirect_chain[-1][0]
        assert set_password_url.endswith("/set-password/")
        assert 'name="new_password1"' in form.content.decode()
        done = visitor.post(
            set_password_url, {"new_password1": "a-new-kvantum-pass", "new_password2": "a-new-kvantum-pass"}
        )
        assert done.status_code == 302 and done.url == reverse("password_reset_complete")

        login = visitor.post(reverse("login"), {"username": user.username, "password": "a-new-kvantum-pass"})
        assert login.status_code == 302 and login.url == reverse("dashboard")
        assert visitor.get(reverse("dashboard")).status_code == 200
        # The link is spent once the password has changed.
        again = Client().get(_link_path(mailoutbox[0]), follow=True)
        assert "This link is no longer valid" in again.content.decode()


def test_an_unknown_address_gets_the_same_page_and_no_mail(
    jp_officer, mailoutbox, django_capture_on_commit_callbacks
):
    user = _invited_evaluator(jp_officer, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    known = _ask_for_a_reset(user.email, django_capture_on_commit_callbacks)
    sent = len(mailoutbox)
    unknown = _ask_for_a_reset("nobody@nowhere.example.org", django_capture_on_commit_callbacks)
    assert sent == 1 and len(mailoutbox) == 1
    assert unknown.status_code == known.status_code == 200
    assert unknown.redirect_chain == known.redirect_chain
    assert _without_csrf(unknown) == _without_csrf(known)


def test_a_deactivated_account_gets_no_reset_mail(jp_officer, mailoutbox, django_capture_on_commit_callbacks):
    user = _invited_evaluator(jp_officer, django_capture_on_commit_callbacks)
    User.objects.filter(pk=user.pk).update(is_active=False)
    mailoutbox.clear()
    page = _ask_for_a_reset(user.email, django_capture_on_commit_callbacks)
    assert page.redirect_chain[-1][0] == reverse("password_reset_done")
    assert mailoutbox == []


def test_the_reset_mail_is_in_the_accounts_language(
    jp_officer, mailoutbox, django_capture_on_commit_callbacks
):
    user = _invited_evaluator(jp_officer, django_capture_on_commit_callbacks)
    User.objects.filter(pk=user.pk).update(language="ja")
    mailoutbox.clear()
    _ask_for_a_reset(user.email, django_capture_on_commit_callbacks)
    assert mailoutbox[0].subject == "パスワードの再設定"
    assert "お心当たりがない場合" in mailoutbox[0].body
