"""Idempotent demo data for every role on both Sides; prints the log-ins."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app that has demo data provides ``<app>.demo.seed(ctx)``; they run in lifecycle order and
# pass what they made on through ``ctx``.
DEMO_MODULES = ["loi_portal.demo", "calls.demo", "proposals.demo", "evaluation.demo", "reporting.demo"]


class Command(BaseCommand):
    help = "Create demo users of every role on both Sides, topics, a plan, an open call and proposals."

    def handle(self, *args, **options):
        ctx: dict = {}
        logins: list[tuple[str, str, str]] = []
        with transaction.atomic():
            for name in DEMO_MODULES:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                logins += module.seed(ctx) or []
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/accounts/login/ with:")
        )
        width = max(len(role) for role, _u, _p in logins)
        for role, username, password in logins:
            self.stdout.write(f"  {role:<{width}}  {username:<16} {password}")
