"""PDF rendering with WeasyPrint that fetches nothing it was not meant to.

Every PDF of the portal (receipts, evaluation summaries, Council and JSTCC reports) goes through
``render_pdf``. The URL fetcher denies by default: only ``data:`` URLs and files inside the portal's
own static folders are read, redirects are off, and anything else (``file:///etc/passwd``, another
host) is refused, so a title typed by an applicant can never make the server read or fetch a thing.
Fonts come from the system through fontconfig (IPAexGothic for Japanese), not through URLs."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_PREFIX = "portal-static:/"


def _static_roots() -> list[Path]:
    return [Path(p).resolve() for p in settings.STATICFILES_DIRS]


class PortalURLFetcher(URLFetcher):
    """Deny-by-default fetcher: ``data:`` URLs and ``portal-static:/<path>`` inside STATICFILES_DIRS."""

    def __init__(self):
        super().__init__(allowed_protocols={"data", "portal-static"}, allow_redirects=False, timeout=1)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(STATIC_PREFIX):
            relative = unquote(urlparse(url).path).lstrip("/")
            for root in _static_roots():
                candidate = (root / relative).resolve()
                if candidate.is_relative_to(root) and candidate.is_file():
                    # Without a type WeasyPrint ignores a linked stylesheet ("text/plain").
                    kind = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        url, body=candidate.read_bytes(), headers={"Content-Type": kind}
                    )
        self.refused.append(url)
        raise ValueError(f"refused to fetch {url!r}")


def render_pdf(
    template: str, context: dict, *, language: str = "en", stylesheets: list[str] | None = None
) -> bytes:
    """Render a Django template to PDF bytes in ``language``.

    ``stylesheets`` are paths inside the static folders, inlined as CSS rather than fetched."""
    with translation.override(language):
        html = render_to_string(template, {**context, "LANGUAGE_CODE": language})
    return html_to_pdf(html, stylesheets=stylesheets)


def html_to_pdf(
    html: str, *, stylesheets: list[str] | None = None, url_fetcher: PortalURLFetcher | None = None
) -> bytes:
    """PDF bytes of ``html`` with the deny-by-default fetcher; base URL ``portal-static:/``.

    Relative URLs are not resolved against that base (urllib joins only the schemes it knows), so a
    template names its assets as ``portal-static:/css/...`` or passes them as ``stylesheets``."""
    css = []
    for name in stylesheets or []:
        for root in _static_roots():
            path = root / name
            if path.is_file():
                css.append(CSS(string=path.read_text(encoding="utf-8")))
                break
    fetcher = url_fetcher or PortalURLFetcher()
    return HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=fetcher).write_pdf(stylesheets=css)
