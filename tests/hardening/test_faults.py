"""Faults on the real services: the database connection dropped in the middle of a submission, and
two officers approving the same plan version at the same moment.

(Redis stopped during a submission and a worker killed while rendering are the Celery tests.)"""

import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.db.models.signals import post_save
from django.urls import reverse

from calls.services import approve_plan_version
from loi_portal.models import Approval
from proposals import services
from proposals.enums import ProposalState
from proposals.models import Proposal, Submission
from tests.factories import make_call, make_plan_version, make_user
from tests.proposals.conftest import ready

pytestmark = pytest.mark.django_db(transaction=True)


def _admin_connection():
    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname=params["NAME"],
        autocommit=True,
    )


@contextmanager
def connection_dropped_after_submission_insert():
    """Kills this thread's database connection from a second connection right after the Submission row
    is inserted, as a database failover or a network cut would, before the service has finished."""
    fired = []

    def kill(sender, instance, created, **kwargs):
        if not created or fired:
            return
        fired.append(instance.pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with _admin_connection() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _attempt in range(50):  # wait until the backend has really gone
                if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                    break
                time.sleep(0.1)

    post_save.connect(kill, sender=Submission, dispatch_uid="test-drop-connection")
    try:
        yield fired
    finally:
        post_save.disconnect(sender=Submission, dispatch_uid="test-drop-connection")
        close_old_connections()
        connection.close()


def _nothing_half_written(proposal: Proposal) -> None:
    proposal.refresh_from_db()
    assert not Submission.objects.filter(proposal=proposal).exists()
    assert proposal.state == ProposalState.DRAFT
    assert proposal.submitted_version == 0


@pytest.fixture
def draft(db):
    researcher = make_user("EU", "researcher")
    return ready(make_call(), researcher), researcher


def test_connection_dropped_during_web_submission_shows_a_clear_page(client, draft):
    proposal, researcher = draft
    client.force_login(researcher)
    with connection_dropped_after_submission_insert() as fired:
        response = client.post(reverse("proposals:submit", args=[proposal.pk]), {"confirm": "on"})
    assert fired, "the submission never reached its insert"
    assert response.status_code == 503
    html = response.content.decode()
    assert "could not reach its database" in html and "Nothing was changed" in html
    assert "Traceback" not in html
    _nothing_half_written(proposal)

    # Once the database is back, the same submission goes through as version 1.
    again = client.post(reverse("proposals:submit", args=[proposal.pk]), {"confirm": "on"})
    assert again.status_code == 302
    assert Submission.objects.get(proposal=proposal).version == 1


def test_connection_dropped_during_api_submission_gives_503_json(client, draft):
    proposal, researcher = draft
    client.force_login(researcher)
    with connection_dropped_after_submission_insert() as fired:
        response = client.post(reverse("api:proposal-submit", args=[proposal.pk]))
    assert fired
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert "Nothing was changed" in response.json()["detail"]
    assert response["Retry-After"]
    _nothing_half_written(proposal)


def test_connection_dropped_inside_the_service_leaves_no_version(draft):
    from django.db import OperationalError

    proposal, researcher = draft
    with connection_dropped_after_submission_insert(), pytest.raises(OperationalError):
        services.submit_proposal(proposal, by=researcher)
    _nothing_half_written(proposal)


def _at_the_same_moment(*calls):
    """Runs each callable in its own thread with its own database connection, released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, fn):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", fn())
        except Exception as exc:  # the test inspects every outcome
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_both_sides_approving_at_the_same_moment_records_both_and_puts_the_plan_in_force():
    version = make_plan_version(in_force=False)
    eu, jp = make_user("EU", "officer"), make_user("JP", "officer")
    results = _at_the_same_moment(
        lambda: approve_plan_version(version, by=eu), lambda: approve_plan_version(version, by=jp)
    )
    assert [kind for kind, _value in results] == ["ok", "ok"], results
    approvals = Approval.objects.filter(object_id=version.pk, version=str(version.number))
    assert sorted(approvals.values_list("side__code", flat=True)) == ["EU", "JP"]
    version.refresh_from_db()
    assert version.in_force_since is not None  # the second approval saw the first: none lost


def test_two_officers_of_one_side_approving_at_once_make_one_approval():
    from django.core.exceptions import ValidationError

    version = make_plan_version(in_force=False)
    first, second = make_user("EU", "officer"), make_user("EU", "officer")
    results = _at_the_same_moment(
        lambda: approve_plan_version(version, by=first), lambda: approve_plan_version(version, by=second)
    )
    kinds = sorted(kind for kind, _value in results)
    assert kinds == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ValidationError) and "already approved" in " ".join(error.messages)
    assert Approval.objects.filter(object_id=version.pk, side__code="EU").count() == 1
    version.refresh_from_db()
    assert version.in_force_since is None
