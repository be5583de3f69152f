"""Run by bench/run.py in its own process: the Council report in Japanese, then WeasyPrint alone on
the same final HTML. Prints one JSON line: pdf_s, pdf_peak_mb, pdf_weasy_s, projects."""

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loi_portal.settings")

import django

django.setup()

from django.template.loader import render_to_string  # noqa: E402
from django.utils import translation  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402

from loi_portal import pdf  # noqa: E402
from reporting import exports  # noqa: E402

t0 = time.perf_counter()
data = exports.build("council", language="ja")
pdf_s = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

with translation.override("ja"):
    context = exports.report_context("council")
    html = render_to_string("reporting/pdf/report.html", {**context, "LANGUAGE_CODE": "ja"})
css = [
    CSS(string=(root / "css/report-pdf.css").read_text(encoding="utf-8"))
    for root in pdf._static_roots()
    if (root / "css/report-pdf.css").is_file()
][:1]
t0 = time.perf_counter()
HTML(string=html, base_url=pdf.STATIC_PREFIX, url_fetcher=pdf.PortalURLFetcher()).write_pdf(stylesheets=css)
weasy_s = time.perf_counter() - t0
print(
    json.dumps(
        {
            "pdf_s": round(pdf_s, 2),
            "pdf_peak_mb": round(peak_mb, 1),
            "pdf_weasy_s": round(weasy_s, 2),
            "projects": len(context["project_pages"]),
            "bytes": len(data),
        }
    )
)
