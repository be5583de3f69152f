"""``manage.py export_report council --language ja --output report.pdf`` (also jstcc, csv, xlsx)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from reporting import services
from reporting.enums import ExportKind


class Command(BaseCommand):
    help = "Write the Council or JSTCC report (PDF) or the tables (CSV, Excel) to a file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ExportKind.values)
        parser.add_argument("--language", choices=["en", "ja"], default="en")
        parser.add_argument("--output", required=True, help="Path of the file to write.")

    def handle(self, *args, kind, language, output, **options):
        data = services.build_export(kind, language=language)
        Path(output).write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(data)} bytes to {output}"))
