"""The PDF renderer's deny-by-default URL fetcher, tried with raw HTML (a template would escape it):
local files, other hosts and paths out of the static folder are refused and never fetched; the
portal's own stylesheet still loads."""

import http.server
import io
import threading

import pytest
from pypdf import PdfReader

from loi_portal.pdf import PortalURLFetcher, html_to_pdf


class _RecordingServer(http.server.ThreadingHTTPServer):
    """Counts every connection, even one that never becomes an HTTP request (a TLS hello)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[str] = []

    def verify_request(self, request, client_address):
        self.hits.append(f"connection from {client_address}")
        return True


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def other_host():
    server = _RecordingServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_raw_html_fetches_no_local_file_no_other_host_and_nothing_outside_the_static_folder(other_host):
    port = other_host.server_address[1]
    urls = [
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/logo.png",
        f"https://127.0.0.1:{port}/logo.png",
        f"http://localhost:{port}/style.css",
        "portal-static:/../../../../etc/passwd",
        "portal-static:/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "portal-static:/../loi_portal/settings.py",
    ]
    html = "".join(f'<p><img src="{url}" alt="x"></p>' for url in urls[:3])
    html += "".join(f'<link rel="stylesheet" href="{url}">' for url in urls[3:])
    html += '<p><img src="../../../../etc/passwd" alt="relative"></p>'
    fetcher = PortalURLFetcher()
    data = html_to_pdf(f"<html><head></head><body>{html}</body></html>", url_fetcher=fetcher)
    assert data.startswith(b"%PDF-")
    assert other_host.hits == []
    for url in urls:
        assert url in fetcher.refused, url
    assert any(
        url.endswith("etc/passwd") and not url.startswith(("file:", "portal-static:"))
        for url in fetcher.refused
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "root:" not in text


def _pages(html: str, fetcher: PortalURLFetcher) -> int:
    return len(PdfReader(io.BytesIO(html_to_pdf(html, url_fetcher=fetcher))).pages)


def test_the_portals_own_stylesheet_still_loads():
    body = '<body><section class="cover">Cover</section><p>Figures</p></body>'
    fetcher = PortalURLFetcher()
    # The report stylesheet puts the cover on a page of its own.
    linked = '<html><head><link rel="stylesheet" href="portal-static:/css/report-pdf.css"></head>'
    assert _pages(linked + body + "</html>", fetcher) == 2
    assert fetcher.refused == []
    assert _pages("<html><head></head>" + body + "</html>", PortalURLFetcher()) == 1
