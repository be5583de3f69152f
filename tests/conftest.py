"""Fixtures shared by every app's tests. The suite runs on PostgreSQL and Redis (see README)."""

import importlib
import time
from pathlib import Path

import pytest
from django.test import Client

from calls.enums import CallState
from tests.factories import make_call, make_plan_version, make_proposal, make_user


@pytest.fixture(autouse=True)
def _sides_exist(request):
    """Transactional tests flush every table afterwards, the Sides and role groups of the data
    migration included; put them back before each such test with the migration's own function."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if not transactional and not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    migration = importlib.import_module("loi_portal.migrations.0002_sides_roles_audit_guard")
    migration.create_sides(apps, None)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks queued by a test run inline, so the outbox relay sends what ``notify`` queued to
    ``mailoutbox`` once the test's on-commit callbacks run. tests/celery uses a real worker instead."""
    from loi_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def eu_officer(db):
    return make_user("EU", "officer", username="eu_officer", email="eu.officer@ec.example.eu")


@pytest.fixture
def jp_officer(db):
    return make_user("JP", "officer", username="jp_officer", email="jp.officer@cao.example.jp")


@pytest.fixture
def eu_researcher(db):
    return make_user("EU", "researcher", username="eu_researcher", email="eu.researcher@tu.example.de")


@pytest.fixture
def jp_researcher(db):
    return make_user("JP", "researcher", username="jp_researcher", email="jp.researcher@u.example.jp")


@pytest.fixture
def eu_evaluator(db):
    return make_user("EU", "evaluator")


@pytest.fixture
def jp_evaluator(db):
    return make_user("JP", "evaluator")


@pytest.fixture
def client_eu_officer(eu_officer):
    return _client_for(eu_officer)


@pytest.fixture
def client_jp_officer(jp_officer):
    return _client_for(jp_officer)


@pytest.fixture
def client_eu_researcher(eu_researcher):
    return _client_for(eu_researcher)


@pytest.fixture
def client_jp_researcher(jp_researcher):
    return _client_for(jp_researcher)


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def plan_version(db):
    return make_plan_version()


@pytest.fixture
def open_call(db, plan_version):
    return make_call(state=CallState.OPEN, plan_version=plan_version)


@pytest.fixture
def proposal(open_call, eu_researcher):
    return make_proposal(call=open_call, coordinator=eu_researcher)


def pytest_configure(config):
    config._screenshots_since = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """List the browser journeys' screenshots of this run, so that CI's log shows where they are.
    Read from the folder, because under pytest-xdist the workers take them."""
    root = Path(__file__).resolve().parent.parent
    folder = root / "artifacts" / "screenshots"
    since = getattr(config, "_screenshots_since", 0) - 1
    saved = sorted(p for p in folder.glob("*/*.png") if p.stat().st_mtime >= since) if folder.exists() else []
    if saved:
        terminalreporter.section("browser journey screenshots")
        for path in saved:
            terminalreporter.write_line(str(path.relative_to(root)))


@pytest.fixture
def python_clock(monkeypatch):
    """Point the portal's one clock (the database's) at Python's, so time-machine can travel it."""
    from django.utils import timezone

    from loi_portal import clock

    monkeypatch.setattr(clock, "now", timezone.now)
