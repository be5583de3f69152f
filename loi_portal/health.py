"""State of the parts the portal depends on, for /healthz and the operators."""

from django.conf import settings
from django.db import connection


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def redis_ok() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        return bool(client.ping())
    except Exception:
        return False


def celery_workers() -> int | None:
    """Number of workers answering a ping; None when the broker itself is unreachable or eager."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    from loi_portal.celery import app

    try:
        replies = app.control.ping(timeout=0.5)
    except Exception:
        return None
    return len(replies or [])


def health() -> dict:
    db = database_ok()
    redis_up = redis_ok()
    workers = celery_workers() if redis_up else None
    return {
        "status": "ok" if db else "error",
        "database": "ok" if db else "down",
        "redis": "ok" if redis_up else "down",
        "celery": (
            "eager"
            if settings.CELERY_TASK_ALWAYS_EAGER
            else ("unknown" if workers is None else ("ok" if workers else "no workers"))
        ),
        "celery_workers": workers or 0,
    }
