"""End-to-end journeys in Debian's Chromium driven by Playwright.

The portal runs on 127.0.0.1 (pytest-django's ``live_server``) against the PostgreSQL test database,
with a real Celery worker (a ``celery -A loi_portal worker`` subprocess on the same database and on
a Redis database of its own; its log is ``artifacts/celery-worker-browser-<database>.log``). The
pages run under the portal's Content Security Policy: any violation fails the journey. Each journey
saves screenshots of its key steps under ``artifacts/screenshots/<journey>/`` and runs axe-core on
every page it visits: a "critical" violation fails the journey, "serious" ones are listed at the end.
"""

import os

# Sync Playwright keeps an asyncio loop in the test's thread; Django would then refuse ORM calls
# made from the test itself (fixtures, assertions on the database). They are safe here: the loop
# only drives the browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import importlib
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from django.db import connection, connections
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.accessibility import Violation, axe_violations

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
ARTIFACTS = ROOT / "artifacts"
# Redis databases the journeys may take for their worker's queue (tests/celery counts up from 7); each
# test session (or pytest-xdist worker) locks one, so no other run's worker takes the journeys' tasks.
BROKER_DATABASES = (15, 14, 13, 12, 11)
BROKER_LOCK = "loi-portal-browser-tests-lock"
PASSWORD = "correct horse battery staple"
VIEWPORT = {"width": 1280, "height": 900}
# Playwright waits this long for an element or a navigation; the pages answer in well under a second.
TIMEOUT_MS = 15_000

# Serious axe findings: (rule, help, elements) -> the journey steps where they were seen.
_serious: dict[tuple[str, str, str], list[str]] = {}


def pytest_configure(config):
    # Playwright's own browser downloads are never used: Debian's Chromium is.
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    config._browser_screenshots_since = time.time()


# --- the browser -------------------------------------------------------------------------------


# One browser at a time and one worker per session, even when a test module elsewhere imports these
# fixtures (pytest then holds a second definition of each, and Playwright refuses a second instance).
_session: dict[str, object] = {}


@pytest.fixture(scope="module")
def browser() -> Browser:
    """Chromium for the tests of one module. Not for the whole session: while Playwright runs, its
    event loop counts as running in this thread, which would follow every later test."""
    if "browser" in _session:
        yield _session["browser"]
        return
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system` (scripts/system-packages.sh).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        _session["browser"] = chromium
        yield chromium
        del _session["browser"]
        chromium.close()
        # While Playwright's loop runs, asgiref keeps this thread's database connections in a context
        # variable instead of the thread-local one: close them now, or the test database cannot be
        # dropped at the end of the session.
        connections.close_all()


# --- the Celery worker -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_media_root(tmp_path_factory) -> Path:
    """One media folder for the live server and the worker (files the worker writes are served)."""
    if "media" not in _session:
        _session["media"] = tmp_path_factory.mktemp("browser-media")
    return _session["media"]


@dataclass
class Worker:
    process: subprocess.Popen
    broker_url: str
    name: str
    log: Path


def _take_broker_database() -> str:
    """The first Redis database of BROKER_DATABASES that no other session holds, flushed."""
    if os.environ.get("BROWSER_TESTS_REDIS_URL"):
        return os.environ["BROWSER_TESTS_REDIS_URL"]
    for number in BROKER_DATABASES:
        url = f"redis://127.0.0.1:6379/{number}"
        client = redis.Redis.from_url(url)
        if client.set(BROKER_LOCK, os.getpid(), nx=True, ex=3600):
            client.flushdb()
            client.set(BROKER_LOCK, os.getpid(), ex=3600)
            return url
    pytest.fail(f"Every Redis database of {BROKER_DATABASES} is held by another browser test session.")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, browser_media_root):
    """A real ``celery -A loi_portal worker`` on the test database and its own Redis database."""
    if "worker" in _session:
        yield _session["worker"]
        return
    broker_url = _take_broker_database()
    index = broker_url.rsplit("/", 1)[-1]
    name = f"browser-tests-{index}@{socket.gethostname()}"
    database = connection.settings_dict
    database_url = (
        f"postgres://{database['USER'] or 'postgres'}"
        f"{':' + database['PASSWORD'] if database['PASSWORD'] else ''}"
        f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TEST_DATABASE_NAME": "",
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "MEDIA_ROOT": str(browser_media_root),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DB_CONN_MAX_AGE": "0",
    }
    log_path = ARTIFACTS / f"celery-worker-browser-{index}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "loi_portal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            f"--hostname={name}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The Celery worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    _session["worker"] = Worker(process=process, broker_url=broker_url, name=name, log=log_path)
    yield _session["worker"]
    del _session["worker"]
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()
    if not os.environ.get("BROWSER_TESTS_REDIS_URL"):
        redis.Redis.from_url(broker_url).delete(BROKER_LOCK)


def _point_celery_at(url: str, *, eager: bool = False) -> tuple[str, bool]:
    """Sends the tasks this process queues (the live server's) to ``url`` instead of running them
    inline (tests/conftest.py makes every other test eager); returns the old URL and mode."""
    from loi_portal.celery import app

    old = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = url
    app.conf.task_always_eager = eager
    # The connection pools were made for the old URL.
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    return old


# --- the data every test database has from its migrations --------------------------------------


def _restore_migration_data():
    """The Sides and their role groups come from a data migration; transactional tests truncate
    every table after them, so the journeys put those rows back (before they start, and once
    at the end of the session for the tests of the next run that reuse the database)."""
    from django.apps import apps

    migration = importlib.import_module("loi_portal.migrations.0002_sides_roles_audit_guard")
    migration.create_sides(apps, None)


@pytest.fixture(scope="session")
def _migration_data_kept(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        _restore_migration_data()


# --- the portal as the journeys see it ---------------------------------------------------------


@dataclass
class Portal:
    """The live portal: its address, the browser and the journey's records (screenshots, axe)."""

    base_url: str
    browser: Browser
    journey: str
    worker: Worker
    contexts: list[BrowserContext] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    checked_urls: set[str] = field(default_factory=set)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def new_page(self, *, locale: str = "en-GB") -> Page:
        """A page in a fresh browser context (its own cookies: one person)."""
        # The portal's Content Security Policy is enforced (no bypass_csp): axe-core goes in through
        # Playwright's evaluate, which the policy does not govern, and any violation fails the step.
        context = self.browser.new_context(
            base_url=self.base_url, viewport=VIEWPORT, locale=locale, accept_downloads=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: self._watch_console(page, message))
        return page

    def _watch_console(self, page: Page, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(f"{page.url}: {message.text}")

    def log_in(self, page: Page, username: str, password: str = PASSWORD) -> None:
        page.goto(self.url("/accounts/login/"))
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/dashboard/"))

    def page_for(self, username: str, password: str = PASSWORD, *, locale: str = "en-GB") -> Page:
        page = self.new_page(locale=locale)
        self.log_in(page, username, password)
        return page

    def step(self, page: Page, name: str, *, check: bool = True) -> Path:
        """Saves a screenshot of this step, fails on any CSP violation so far and runs axe-core."""
        path = SCREENSHOTS / self.journey / f"{len(self.screenshots) + 1:02d}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        self.screenshots.append(path)
        assert not self.csp_violations, f"Content Security Policy violations before step {name}:\n" + (
            "\n".join(self.csp_violations)
        )
        if check:
            self.check_accessibility(page, name)
        return path

    def check_accessibility(self, page: Page, name: str) -> list[Violation]:
        violations = axe_violations(page)
        for violation in violations:
            if violation.impact == "serious":
                key = (violation.rule, violation.help, ", ".join(violation.targets[:5]))
                if key not in _serious:
                    print(f"axe serious at {self.journey}/{name}: {violation}")
                _serious.setdefault(key, []).append(f"{self.journey}/{name}")
        critical = [str(v) for v in violations if v.impact == "critical"]
        assert not critical, f"critical accessibility violations at step {name}:\n" + "\n".join(critical)
        self.checked_urls.add(page.url)
        return violations

    def pause_worker(self) -> None:
        """The worker stops taking tasks (they wait in Redis), e.g. to see a job's first state."""
        from loi_portal.celery import app

        replies = app.control.cancel_consumer("celery", destination=[self.worker.name], reply=True, timeout=5)
        assert replies, "the Celery worker did not answer"

    def resume_worker(self) -> None:
        from loi_portal.celery import app

        replies = app.control.add_consumer("celery", destination=[self.worker.name], reply=True, timeout=5)
        assert replies, "the Celery worker did not answer"

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def portal(
    request,
    transactional_db,
    live_server,
    settings,
    browser,
    celery_worker,
    browser_media_root,
    _migration_data_kept,
):
    """The live portal wired to the real worker; named after the journey for its screenshots."""
    _restore_migration_data()
    broker_url = celery_worker.broker_url
    settings.REDIS_URL = broker_url
    settings.CELERY_BROKER_URL = broker_url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker_url}
    }
    settings.MEDIA_ROOT = browser_media_root
    old_broker, old_eager = _point_celery_at(broker_url)
    journey = request.node.name.removeprefix("test_")
    for old in (SCREENSHOTS / journey).glob("*.png"):
        old.unlink()
    portal = Portal(base_url=live_server.url, browser=browser, journey=journey, worker=celery_worker)
    try:
        yield portal
        assert not portal.csp_violations, "Content Security Policy violations:\n" + "\n".join(
            portal.csp_violations
        )
    finally:
        portal.close()
        _point_celery_at(old_broker, eager=old_eager)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _serious:
        terminalreporter.section("serious accessibility findings (axe-core)")
        for (rule, help_text, elements), steps in _serious.items():
            terminalreporter.write_line(
                f"{rule}: {help_text} at {elements} (on {len(steps)} pages, first {steps[0]})"
            )
    # The list of screenshots is printed by tests/conftest.py, which the xdist controller loads too.
