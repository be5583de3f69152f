"""Benchmarks of the LoI Portal (issue 12): ``python bench/run.py --quick`` or ``--full``.

Each benchmark prints a line of figures as it goes; the last line is one JSON object with every figure.
The benchmark database is ``loi_bench`` (DATABASE_URL may point elsewhere)."""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loi_bench")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("REQUIRE_TWO_FACTOR", "0")
os.environ.setdefault("API_THROTTLE_USER", "100000/minute")
os.environ.setdefault("LOG_LEVEL", "WARNING")

SIZES = {
    "quick": {"queries": 5, "lists": 2000, "rush": 200, "pdf": 2000, "close": 2000, "clients": 50},
    "full": {"queries": 20, "lists": 20000, "rush": 1000, "pdf": 20000, "close": 20000, "clients": 100},
}


def setup_django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loi_portal.settings")
    django.setup()
    prepare_database()


def prepare_database():
    """Create the benchmark database when it is missing and bring its schema up to date."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        import psycopg

        params = connection.get_connection_params()
        name = params.pop("dbname")
        params = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f'CREATE DATABASE "{name}"')
                say("setup", created_database=name)
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    say("setup", migrated_s=round(time.perf_counter() - t0, 1))


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def say(name, **figures):
    print(f"[{name}] " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


# -- queries -------------------------------------------------------------------------------------------


def list_urls(call):
    """Every list page and API list, with the user who reads it: (role, pattern, url)."""
    ce = call.side_evaluations.get(side__code="EU").pk
    patterns = [
        ("officer", "/proposals/call/{call}/"),
        ("researcher", "/proposals/"),
        ("evaluator", "/evaluation/"),
        ("officer", "/evaluation/"),
        ("officer", "/evaluation/calls/{call_evaluation}/ranking/"),
        ("officer", "/evaluation/selection/{call}/"),
        ("officer", "/reporting/projects/"),
        ("officer", "/calls/"),
        ("officer", "/api/v1/proposals/?call={call}"),
        ("researcher", "/api/v1/proposals/"),
        ("researcher", "/api/v1/partners/"),
        ("researcher", "/api/v1/annexes/"),
        ("researcher", "/api/v1/submissions/"),
        ("evaluator", "/api/v1/evaluation/assignments/"),
        ("evaluator", "/api/v1/evaluation/reviews/"),
        ("officer", "/api/v1/evaluation/consensus/"),
        ("officer", "/api/v1/projects/"),
        ("officer", "/api/v1/reports/"),
    ]
    return [(role, pattern, pattern.format(call=call.pk, call_evaluation=ce)) for role, pattern in patterns]


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, HTTP_HOST="127.0.0.1")
    return response.status_code, len(ctx.captured_queries)


def bench_queries(n):
    """Query counts for a fresh set of users that see n, then 10 n proposals."""
    from django.test import Client

    from loi_portal.management.commands import seed_scale as s

    tag = f"Q{int(time.time())}"
    counts = {}
    for size in (n, 10 * n):
        call = s.seed_scale(size, tag=f"{tag}-{size}", people_prefix=f"{tag.lower()}", people_n=size)
        users = s.people_of(f"{tag.lower()}")
        for role, pattern, url in list_urls(call):
            client = Client()
            client.force_login(users[role])
            count_queries(client, url)  # warm caches (content types, permissions)
            status, queries = count_queries(client, url)
            counts.setdefault((role, pattern), []).append((status, queries))
    growth = 0
    for (role, url), ((s1, q1), (s2, q2)) in counts.items():
        say("queries", role=role, url=url, status=f"{s1}/{s2}", n=q1, ten_n=q2)
        if s1 != s2:
            say("queries", warning=f"{url} answered {s1} at n and {s2} at 10n")
        growth = max(growth, q2 - q1)
    say("queries", query_growth=growth)
    return {"query_growth": growth}


# -- lists ---------------------------------------------------------------------------------------------


def bench_lists(n, repeat=20):
    from django.test import Client

    from loi_portal.management.commands import seed_scale as s
    from loi_portal.models import User

    started = time.perf_counter()
    call = s.seed_scale(n)
    say("seed", proposals=n, seconds=round(time.perf_counter() - started, 1))
    users = s.people_of("scale")
    superuser = User.objects.filter(username="scale_superuser").first()
    if superuser is None:
        superuser = User.objects.create_superuser(
            "scale_superuser", "scale_superuser@bench.example.org", s.PASSWORD, side=users["officer"].side
        )
        superuser.groups.add(*users["officer"].groups.all())
    evaluator = users["evaluator"]
    pages = [
        ("officer_list", users["officer"], f"/proposals/call/{call.pk}/"),
        ("evaluator_dashboard", evaluator, "/evaluation/"),
        (
            "side_ranking",
            users["officer"],
            f"/evaluation/calls/{call.side_evaluations.get(side__code='EU').pk}/ranking/",
        ),
        ("joint_ranking", users["officer"], f"/evaluation/selection/{call.pk}/"),
        ("api_proposals", users["officer"], f"/api/v1/proposals/?call={call.pk}"),
    ]
    worst = {"filtered": 0.0, "unfiltered": 0.0}
    for name, user, url in pages:
        for mode, who in (("filtered", user), ("unfiltered", superuser)):
            client = Client()
            client.force_login(who)
            t0 = time.perf_counter()
            client.get(url, HTTP_HOST="127.0.0.1")
            # A page that takes seconds is timed a few times only (the run stays bounded).
            times = []
            status = None
            for _ in range(repeat if time.perf_counter() - t0 < 1 else 3):
                t0 = time.perf_counter()
                status = client.get(url, HTTP_HOST="127.0.0.1").status_code
                times.append((time.perf_counter() - t0) * 1000)
            p95 = percentile(times, 95)
            worst[mode] = max(worst[mode], p95)
            say("lists", page=name, mode=mode, status=status, p95_ms=round(p95, 1))
    result = {
        "lists_p95_ms": round(worst["filtered"], 1),
        "lists_unfiltered_p95_ms": round(worst["unfiltered"], 1),
    }
    say("lists", **result)
    return result


# -- close ---------------------------------------------------------------------------------------------


def bench_close(n):
    import datetime as dt
    import random

    from django.db import transaction
    from django.utils import timezone

    from calls.enums import CallState
    from calls.services import close_call
    from loi_portal.management.commands import seed_scale as s

    people = s.base_people(n, random.Random(1))
    identifier = f"{s.PREFIX}CLOSE-{int(time.time())}"
    with transaction.atomic():
        call = s.make_call(
            identifier,
            state=CallState.OPEN,
            deadline=timezone.now() - dt.timedelta(minutes=1),
            officer=people["officers"]["EU"],
        )
        rng = random.Random(2)
        submitted = n * 4 // 5
        s.seed_proposals(
            call,
            submitted,
            coordinators=people["researchers"],
            orgs=people["orgs"],
            submitted=True,
            annex_bytes=s.tiny_pdf(),
            rng=rng,
        )
        s.seed_proposals(
            call,
            n - submitted,
            coordinators=people["researchers"],
            orgs=people["orgs"],
            submitted=False,
            annex_bytes=s.tiny_pdf(),
            rng=rng,
        )
    t0 = time.perf_counter()
    close_call(call, by=people["officers"]["EU"])
    seconds = time.perf_counter() - t0
    say("close", proposals=n, close_s=round(seconds, 2))
    return {"close_s": round(seconds, 2)}


# -- pdf -----------------------------------------------------------------------------------------------


def bench_pdf(n):
    """The Council report in Japanese, in a subprocess so its peak memory is its own."""
    from loi_portal.management.commands import seed_scale as s

    s.seed_scale(n)
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pdf_job.py")], capture_output=True, text=True, env=os.environ
    )
    if out.returncode:
        print(out.stderr[-3000:], file=sys.stderr)
        return {"pdf_s": None, "pdf_peak_mb": None, "pdf_weasy_s": None}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    say("pdf", **result)
    return {k: result[k] for k in ("pdf_s", "pdf_peak_mb", "pdf_weasy_s")}


# -- rush ----------------------------------------------------------------------------------------------


def bench_rush(n, clients):
    import datetime as dt
    import random

    import requests
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from calls.enums import CallState
    from calls.models import Call
    from loi_portal.management.commands import seed_scale as s
    from proposals.models import Proposal, Submission

    tag = f"r{int(time.time())}"
    people = s.base_people(clients * 8, random.Random(3), prefix=tag, researchers=clients // 2)
    researchers = people["researchers"][:clients]
    Token.objects.bulk_create(
        [Token(user=u, key=Token.generate_key()) for u in researchers], ignore_conflicts=True
    )
    tokens = {t.user_id: t.key for t in Token.objects.filter(user__in=researchers)}
    with transaction.atomic():
        call = s.make_call(
            f"{s.PREFIX}RUSH-{tag}",
            state=CallState.OPEN,
            deadline=timezone.now() + dt.timedelta(days=1),
            officer=people["officers"]["EU"],
        )
        ids = s.seed_proposals(
            call,
            n,
            coordinators=researchers,
            orgs=people["orgs"],
            submitted=False,
            annex_bytes=s.tiny_pdf(pad=1024 * 1024),
            rng=random.Random(4),
        )
    owner = dict(Proposal.objects.filter(pk__in=ids).values_list("pk", "created_by_id"))
    queues = {}
    for pk in ids:
        queues.setdefault(owner[pk], []).append(pk)

    port = 8765
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "REQUIRE_TWO_FACTOR": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
    workers = 2 * (os.cpu_count() or 1) + 1
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "loi_portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
    )

    def server_log():
        # Every submission refused after the deadline logs a "Bad Request" line; they are counted below.
        for line in server.stderr:
            if not line.startswith("Bad Request: /api/v1/proposals/"):
                print(line, end="", file=sys.stderr, flush=True)

    threading.Thread(target=server_log, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/api/v1/sides/", timeout=2).status_code < 500:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        # Baseline: a minimal API list, same clients, same server.
        stop_at = time.perf_counter() + 8
        done = []

        def baseline(user_id):
            session = requests.Session()
            session.headers["Authorization"] = f"Token {tokens[user_id]}"
            count = 0
            while time.perf_counter() < stop_at:
                if session.get(f"{base}/api/v1/sides/", timeout=30).ok:
                    count += 1
            done.append(count)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=baseline, args=(u.pk,)) for u in researchers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        baseline_rps = sum(done) / (time.perf_counter() - t0)
        say("rush", baseline_rps=round(baseline_rps, 1))

        expected = n / max(5.0, baseline_rps / 4)
        start = timezone.now()
        deadline = start + dt.timedelta(seconds=0.6 * expected)
        Call.objects.filter(pk=call.pk).update(deadline=deadline)
        results = []
        lock = threading.Lock()

        def submitter(user_id):
            session = requests.Session()
            session.headers["Authorization"] = f"Token {tokens[user_id]}"
            for pk in queues.get(user_id, []):
                t = time.perf_counter()
                # The submit carries no body: its upload is complete when the request is sent.
                sent_at = timezone.now()
                try:
                    r = session.post(f"{base}/api/v1/proposals/{pk}/submit/", timeout=60)
                    status, body = (
                        r.status_code,
                        (
                            r.json()
                            if r.headers.get("content-type", "").startswith("application/json")
                            else {}
                        ),
                    )
                except requests.RequestException as exc:
                    status, body = 0, {"error": str(exc)}
                with lock:
                    results.append((pk, status, body, (time.perf_counter() - t) * 1000, sent_at))

        t0 = time.perf_counter()
        threads = [threading.Thread(target=submitter, args=(u.pk,)) for u in researchers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        elapsed = time.perf_counter() - t0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    accepted = [
        (pk, body)
        for pk, status, body, _ms, _sent in results
        if 200 <= status < 300 and isinstance(body, dict) and body.get("sha256")
    ]
    stored = {
        sub.proposal_id: sub
        for sub in Submission.objects.filter(proposal__call=call).only(
            "proposal_id", "sha256", "submitted_at", "late_exception_id"
        )
    }
    lost = sum(1 for pk, body in accepted if pk not in stored or not stored[pk].sha256)
    # Stored after the deadline without an approved late exception (the bench grants none).
    late = sum(1 for sub in stored.values() if sub.submitted_at > deadline and sub.late_exception_id is None)
    # Sent (upload complete) at least 1 s before the deadline, and still refused: queueing made it late.
    sent_before_refused = sum(
        1
        for _pk, status, _b, _ms, sent_at in results
        if not 200 <= status < 300 and sent_at <= deadline - dt.timedelta(seconds=1)
    )
    latencies = [ms for _pk, _s, _b, ms, _sent in results]
    statuses = {}
    refusals = {}
    for _pk, status, body, _ms, _sent in results:
        statuses[status] = statuses.get(status, 0) + 1
        if not 200 <= status < 300:
            if isinstance(body, dict):
                body = body.get("detail") or body.get("non_field_errors") or body.get("error") or body
            reason = str(body)[:80]
            refusals[reason] = refusals.get(reason, 0) + 1
    rps = len(results) / elapsed if elapsed else 0
    result = {
        "submitted": len(results),
        "accepted": len(accepted),
        "lost": lost,
        "late_accepted": late,
        "sent_before_refused": sent_before_refused,
        "p50_ms": round(percentile(latencies, 50) or 0, 1),
        "p95_ms": round(percentile(latencies, 95) or 0, 1),
        "p99_ms": round(percentile(latencies, 99) or 0, 1),
        "rps": round(rps, 1),
        "baseline_rps": round(baseline_rps, 1),
        "rush_ratio": round(rps / baseline_rps, 3) if baseline_rps else None,
    }
    say(
        "rush",
        statuses=json.dumps(statuses),
        refusals=json.dumps(refusals, ensure_ascii=False),
        deadline_after_s=round((deadline - start).total_seconds(), 1),
        seconds=round(elapsed, 1),
        **result,
    )
    return result


def main():
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true")
    group.add_argument("--full", action="store_true")
    parser.add_argument("--only", default="queries,lists,close,pdf,rush")
    args = parser.parse_args()
    sizes = SIZES["full" if args.full else "quick"]
    setup_django()
    figures = {}
    only = args.only.split(",")
    if "queries" in only:
        figures.update(bench_queries(sizes["queries"]))
    if "lists" in only:
        figures.update(bench_lists(sizes["lists"]))
    if "close" in only:
        figures.update(bench_close(sizes["close"]))
    if "pdf" in only:
        figures.update(bench_pdf(sizes["pdf"]))
    if "rush" in only:
        figures.update(bench_rush(sizes["rush"], sizes["clients"]))
    keys = [
        "submitted",
        "accepted",
        "lost",
        "late_accepted",
        "sent_before_refused",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "rps",
        "baseline_rps",
        "rush_ratio",
        "query_growth",
        "lists_p95_ms",
        "lists_unfiltered_p95_ms",
        "pdf_s",
        "pdf_peak_mb",
        "pdf_weasy_s",
        "close_s",
    ]
    print(json.dumps({k: figures.get(k) for k in keys}), flush=True)


if __name__ == "__main__":
    main()
