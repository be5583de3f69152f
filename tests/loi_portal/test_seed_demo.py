import pytest
from django.core.management import call_command

from loi_portal.enums import Role
from loi_portal.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_a_login_for_every_role_of_both_sides_and_can_run_twice(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert first == second
    for side in ("EU", "JP"):
        for role in (Role.OFFICER, Role.EXPERT, Role.RESEARCHER, Role.EVALUATOR, Role.OBSERVER):
            assert f"{side} {role.label}" in first
            assert User.objects.filter(side__code=side, groups__side_role__role=role).exists()
    assert "admin" in first
    assert User.objects.filter(username="eu_officer").count() == 1
    assert User.objects.get(username="eu_officer").check_password("demo-quantum-2026")
