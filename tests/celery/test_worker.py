"""A real Celery worker (a subprocess) against Redis and the test database.

The worker reads the test database (so these tests commit: ``transaction=True``), consumes from a
Redis database of its own (flushed first, so no stray task of another test run is taken) and writes
e-mail to files in a temporary folder. The Redis-outage test starts its own ``redis-server`` on
another port and stops it: the shared Redis on 6379 is never touched."""

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from calls import scheduling
from calls.enums import CallState
from calls.services import approve_deadline_change, request_deadline_change
from calls.tasks import reconcile_calls_task
from loi_portal.celery import app
from loi_portal.models import OutboxMessage, OutboxStatus, ScheduledTask
from loi_portal.tasks import relay_outbox_task
from proposals import services as proposal_services
from proposals.enums import ProposalState
from proposals.models import Submission
from proposals.tasks import send_deadline_reminders_task
from tests.factories import OrganisationFactory, make_call, make_user
from tests.proposals.pdfs import good_pdf

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Database 7 of the shared Redis (7 + n under pytest-xdist, so parallel runs never share a queue).
_XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
SHARED_REDIS_TEST_DB = f"redis://127.0.0.1:6379/{7 + _XDIST_INDEX % 8}"
ROOT = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).with_name("celery"))


def wait_for(predicate, *, timeout: float = 45, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


def sent_emails(mail_dir: Path) -> list[str]:
    """The messages the file backend wrote (one file per connection, messages separated by dashes)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if "Subject:" in chunk:
                messages.append(chunk)
    return messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Worker:
    """``celery -A loi_portal worker`` on the test database and a given broker."""

    def __init__(self, broker_url: str, mail_dir: Path, log_path: Path):
        self.broker_url, self.mail_dir, self.log_path = broker_url, mail_dir, log_path
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        db = connection.settings_dict
        env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_NAME"}
        env.update(
            DJANGO_SETTINGS_MODULE="loi_portal.settings",
            DATABASE_URL=(
                f"postgres://{db['USER'] or 'postgres'}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
                f":{db['PORT'] or 5432}/{db['NAME']}"
            ),
            DB_CONN_MAX_AGE="0",
            CELERY_BROKER_URL=self.broker_url,
            CELERY_TASK_ALWAYS_EAGER="0",
            CACHE_BACKEND="locmem",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail_dir),
            LOG_LEVEL="WARNING",
            PYTHONWARNINGS="ignore",
        )
        return env

    def start(self) -> "Worker":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "loi_portal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"loi-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for(lambda: " ready." in self.log(), timeout=60, what="the worker to be ready")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def succeeded(self, task_name: str) -> int:
        return sum(
            1 for line in self.log().splitlines() if f"Task {task_name}[" in line and "succeeded" in line
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


def use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (not eager), dropping pooled connections."""
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.task_always_eager = False


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def broker():
    """The shared Redis, database 7, flushed; this process publishes there while the test runs."""
    redis.Redis.from_url(SHARED_REDIS_TEST_DB).flushdb()
    previous = app.conf.broker_url
    use_broker(SHARED_REDIS_TEST_DB)
    yield SHARED_REDIS_TEST_DB
    use_broker(previous)
    redis.Redis.from_url(SHARED_REDIS_TEST_DB).flushdb()


@pytest.fixture
def make_worker(mail_dir, tmp_path):
    workers = []

    def start(broker_url: str) -> Worker:
        worker = Worker(broker_url, mail_dir, tmp_path / f"worker{len(workers)}.log")
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


def test_a_call_closes_at_its_instant(broker, make_worker):
    worker = make_worker(broker)
    call = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(seconds=4))
    scheduling.call_instants_changed(call)  # autocommit: runs at once, queues the countdown
    assert ScheduledTask.objects.filter(object_id=call.pk, eta=call.deadline).exists()
    time.sleep(max((call.deadline - timezone.now()).total_seconds() - 1.5, 0))
    state = state_of(call)
    if timezone.now() < call.deadline:
        assert state == CallState.OPEN  # not before its instant
    wait_for(
        lambda: state_of(call) == CallState.UNDER_EVALUATION,
        what="the call to close and its evaluation to start",
    )
    closed_at = ScheduledTask.objects.get(object_id=call.pk).done_at
    assert closed_at >= call.deadline, worker.log()


def state_of(call) -> str:
    call.refresh_from_db()
    return call.state


def test_reconciliation_closes_a_call_whose_deadline_passed_while_no_worker_ran(broker, make_worker):
    call = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(seconds=1))
    time.sleep(1.5)  # the instant passes: no worker, no beat, nothing queued
    worker = make_worker(broker)
    time.sleep(1)
    assert state_of(call) == CallState.OPEN
    reconcile_calls_task.delay()  # what beat does every minute once it is back
    wait_for(lambda: state_of(call) == CallState.UNDER_EVALUATION, what="the reconciliation to close it")
    assert worker.succeeded("calls.reconcile_calls") == 1


def test_an_extension_prevents_the_early_close(broker, make_worker):
    worker = make_worker(broker)
    eu_officer, jp_officer = make_user("EU", "officer"), make_user("JP", "officer")
    old_deadline = timezone.now() + dt.timedelta(seconds=4)
    call = make_call(state=CallState.OPEN, deadline=old_deadline)
    scheduling.call_instants_changed(call)
    change = request_deadline_change(
        call, by=eu_officer, new_deadline=old_deadline + dt.timedelta(days=7), reason="Portal outage"
    )
    approve_deadline_change(change, by=eu_officer)
    _change, applied = approve_deadline_change(change, by=jp_officer)
    assert applied
    # The countdown queued for the old deadline runs and finds the deadline moved.
    wait_for(
        lambda: ScheduledTask.objects.filter(eta=old_deadline, done_at__isnull=False).exists(),
        what="the old close task to run",
    )
    assert worker.succeeded("calls.close_call") == 1
    call.refresh_from_db()
    assert call.state == CallState.OPEN and call.deadline == old_deadline + dt.timedelta(days=7)


def test_deadline_reminders_are_sent_once(broker, make_worker, mail_dir):
    worker = make_worker(broker)
    call = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(days=3))
    eu = make_user("EU", "researcher", language="en")
    jp = make_user("JP", "researcher", language="ja")
    proposal = proposal_services.start_proposal(
        call, by=eu, acronym="QLINK", title="Quantum links", abstract="QKD.", keywords="QKD", topics=[]
    )
    from proposals.models import ConsortiumMember

    ConsortiumMember.objects.create(proposal=proposal, user=jp, side=jp.side, joined_at=timezone.now())
    send_deadline_reminders_task.delay()
    wait_for(lambda: len(sent_emails(mail_dir)) >= 2, what="two reminders")
    send_deadline_reminders_task.delay()
    wait_for(lambda: worker.succeeded("proposals.send_deadline_reminders") == 2, what="the second run")
    relay_outbox_task.delay()
    wait_for(lambda: worker.succeeded("loi_portal.relay_outbox") >= 2, what="a further relay")
    emails = sent_emails(mail_dir)
    assert len(emails) == 2
    [to_jp] = [e for e in emails if f"To: {jp.email}" in e]
    tokyo = timezone.localtime(call.deadline, jp.effective_time_zone).strftime("%Y-%m-%d %H:%M")
    assert tokyo in to_jp and "Asia/Tokyo" in to_jp
    assert (
        OutboxMessage.objects.filter(event="proposal.deadline_reminder", status=OutboxStatus.SENT).count()
        == 2
    )


@pytest.fixture
def own_redis(tmp_path):
    """A throw-away redis-server on a free port that the test may stop and start again."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    processes = []

    def start():
        process = subprocess.Popen(
            [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        client = redis.Redis(port=port, socket_connect_timeout=0.5)
        wait_for(lambda: _pings(client), timeout=10, what="redis-server to start")
        return process

    def stop():
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)

    start()
    previous = app.conf.broker_url
    url = f"redis://127.0.0.1:{port}/0"
    use_broker(url)
    yield {"url": url, "start": start, "stop": stop}
    use_broker(previous)
    stop()


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def _ready_proposal(call, researcher, n: int):
    proposal = proposal_services.start_proposal(
        call,
        by=researcher,
        acronym=f"QLINK{n}",
        title="Quantum links",
        abstract="QKD.",
        keywords="QKD",
        topics=list(call.topics.all()),
    )
    for side_code, org in (
        ("EU", OrganisationFactory(side_code="EU")),
        ("JP", OrganisationFactory(side_code="JP")),
    ):
        proposal_services.save_partner(
            proposal,
            by=researcher,
            organisation=org,
            pi_name=f"PI {side_code}",
            pi_email=f"pi{n}.{side_code.lower()}@example.org",
            role="coordinator",
            requested_minor=10_000_000,
        )
    proposal_services.add_annex(
        proposal,
        by=researcher,
        file=SimpleUploadedFile("annex.pdf", good_pdf(), content_type="application/pdf"),
    )
    return proposal


def test_the_submit_page_and_the_api_work_while_redis_is_down_and_the_receipts_go_out_once_it_is_back(
    own_redis, make_worker, mail_dir, settings, client_for, caplog
):
    from django.urls import reverse
    from rest_framework.test import APIClient

    # As in production, the one Redis is also the cache (the API throttles' counters): it goes too.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": own_redis["url"].rsplit("/", 1)[0] + "/1",
        }
    }
    worker = make_worker(own_redis["url"])
    call = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(days=3))
    eu = make_user("EU", "researcher")
    on_page, on_api = _ready_proposal(call, eu, 1), _ready_proposal(call, eu, 2)
    page = client_for(eu)
    api = APIClient()
    api.force_authenticate(eu)

    own_redis["stop"]()
    started = time.monotonic()
    response = page.post(reverse("proposals:submit", args=[on_page.pk]), {"confirm": "on"}, follow=True)
    assert time.monotonic() - started < 15  # the request does not hang on the broker
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("proposals:receipt", args=[on_page.pk, 1]), 302)]
    submission = Submission.objects.get(proposal=on_page)
    html = response.content.decode()
    assert "Submission receipt" in html and submission.sha256 in html and on_page.number in html
    started = time.monotonic()
    receipt = api.post(reverse("api:proposal-submit", args=[on_api.pk]))
    assert time.monotonic() - started < 15
    assert receipt.status_code == 201, receipt.content
    # The cache really was away: the API's throttle let the call through without its counter.
    assert "the cache is unreachable" in caplog.text
    assert receipt.json()["sha256"] == Submission.objects.get(proposal=on_api).sha256
    for proposal in (on_page, on_api):
        proposal.refresh_from_db()
        assert proposal.state == ProposalState.SUBMITTED
    messages = OutboxMessage.objects.filter(event="proposal.submitted")
    assert [(m.status, m.to_address) for m in messages] == [(OutboxStatus.PENDING, eu.email)] * 2
    time.sleep(1)
    assert sent_emails(mail_dir) == []

    own_redis["start"]()

    def relay():
        try:
            relay_outbox_task.delay()
        except Exception:  # the pooled connection still points at the stopped server; try again
            return False
        return True

    wait_for(relay, what="the broker to accept the relay")
    wait_for(lambda: len(sent_emails(mail_dir)) >= 2, what="the two receipt e-mails")
    relay_outbox_task.delay()
    wait_for(lambda: worker.succeeded("loi_portal.relay_outbox") >= 2, what="a second relay")
    emails = sent_emails(mail_dir)
    assert len(emails) == 2 and all(f"To: {eu.email}" in e for e in emails)
    for proposal in (on_page, on_api):  # one receipt each, with its own number
        assert sum(f"Proposal number: {proposal.number} " in e for e in emails) == 1
    assert set(messages.values_list("status", flat=True)) == {OutboxStatus.SENT}
