import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from loi_portal import services
from loi_portal.enums import INVITABLE_ROLES, Role
from loi_portal.models import AuditEntry, Side, User
from tests.factories import OrganisationFactory, make_user

pytestmark = pytest.mark.django_db


def test_the_two_sides_exist_with_their_programme_currency_and_zone():
    eu, jp = Side.objects.eu(), Side.objects.jp()
    assert (eu.authority, eu.programme, eu.currency, eu.time_zone) == (
        "European Commission",
        "Horizon Europe",
        "EUR",
        "Europe/Brussels",
    )
    assert (jp.authority, jp.currency, jp.time_zone) == ("Cabinet Office of Japan", "JPY", "Asia/Tokyo")
    assert jp.programme.startswith("SIP")
    assert eu.other() == jp


def test_tests_run_on_postgresql():
    assert connection.vendor == "postgresql"


def test_researcher_registers_with_the_side_of_their_organisation(client):
    org = OrganisationFactory(side_code="JP", name="東京大学", country="JP")
    response = client.post(
        reverse("register"),
        {
            "first_name": "太郎",
            "last_name": "山田",
            "username": "yamada",
            "email": "Yamada@U-Tokyo.example.jp",
            "organisation": org.pk,
            "language": "ja",
            "password1": "kvantum-2026-tokyo",
            "password2": "kvantum-2026-tokyo",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="yamada")
    assert user.side.code == "JP"
    assert user.email == "yamada@u-tokyo.example.jp"
    assert user.roles == {Role.RESEARCHER}
    assert AuditEntry.objects.filter(action="account.register", actor_id=user.pk).exists()


def test_registration_with_a_weak_password_keeps_every_other_value(client):
    org = OrganisationFactory(side_code="EU")
    response = client.post(
        reverse("register"),
        {
            "first_name": "Anna",
            "last_name": "Schmidt",
            "username": "anna",
            "email": "anna@example.org",
            "organisation": org.pk,
            "language": "en",
            "password1": "12345",
            "password2": "12345",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="anna").exists()
    html = response.content.decode()
    assert 'value="Schmidt"' in html and 'value="anna@example.org"' in html
    assert "too short" in html


@pytest.mark.parametrize("side_code", ["EU", "JP"])
@pytest.mark.parametrize("role", [role.value for role in INVITABLE_ROLES])
def test_officer_invites_every_invitable_role_of_their_own_side_through_the_page(
    side_code, role, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    officer = make_user(side_code, "officer")
    organisation = OrganisationFactory(side_code=side_code)
    email = f"new.{role}@{side_code.lower()}.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(officer).post(
            reverse("invite"),
            {
                "email": email,
                "role": role,
                "first_name": "Kim",
                "last_name": "Lee",
                "organisation": organisation.pk,
            },
            follow=True,
        )
    assert response.redirect_chain == [(reverse("invite"), 302)]
    assert f"{email} has been invited." in response.content.decode()
    invited = User.objects.get(email=email)
    assert (invited.side.code, invited.organisation, invited.get_full_name()) == (
        side_code,
        organisation,
        "Kim Lee",
    )
    assert invited.roles == {role}
    assert not invited.has_usable_password()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [email]
    assert str(Role(role).label) in mailoutbox[0].body
    assert "/accounts/reset/" in mailoutbox[0].body


def test_officer_cannot_invite_into_the_other_side():
    eu_officer = make_user("EU", "officer")
    jp_person = make_user("JP", "evaluator")
    with pytest.raises(ValidationError):
        services.invite_user(email=jp_person.email, role=Role.OFFICER, by=eu_officer)
    jp_person.refresh_from_db()
    assert jp_person.side.code == "JP"
    assert Role.OFFICER not in User.objects.get(pk=jp_person.pk).roles


@pytest.mark.parametrize("role", ["researcher", "evaluator", "expert", "observer"])
def test_only_officers_can_invite(client_for, role):
    user = make_user("EU", role)
    assert client_for(user).get(reverse("invite")).status_code == 403
    with pytest.raises(ValidationError):
        services.invite_user(email="x@example.org", role=Role.EVALUATOR, by=user)


def test_roles_are_per_side_groups_guardian_can_grant_to():
    eu_officer = make_user("EU", "officer")
    jp_officer = make_user("JP", "officer")
    assert eu_officer.groups.get().name == "EU officer"
    assert jp_officer.groups.get().name == "JP officer"


def test_audit_log_refuses_update_and_delete_in_the_database():
    entry = services.audit("test.event", by=None)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.event"


def test_both_sides_must_approve_the_same_version():
    eu_officer, jp_officer = make_user("EU", "officer"), make_user("JP", "officer")
    subject = OrganisationFactory()
    _approval, both = services.approve(subject, 1, by=eu_officer)
    assert not both
    _approval, both = services.approve(subject, 2, by=jp_officer)
    assert not both
    _approval, both = services.approve(subject, 1, by=jp_officer)
    assert both
    with pytest.raises(ValidationError):
        services.approve(subject, 1, by=make_user("EU", "officer"))


def test_only_officers_approve():
    with pytest.raises(ValidationError):
        services.approve(OrganisationFactory(), 1, by=make_user("EU", "researcher"))


def test_secret_key_is_required_when_debug_is_off(monkeypatch):
    import importlib

    import loi_portal.settings as portal_settings

    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(portal_settings)
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    importlib.reload(portal_settings)
