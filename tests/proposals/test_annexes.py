"""Annex uploads: checked by content, size limit enforced while streaming, nothing kept on refusal,
files served only through the permission-checked view."""

import io
import os

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.urls import reverse

from loi_portal.models import AuditEntry
from proposals.annexes import too_large_message, use_annex_upload_handler
from proposals.models import Annex
from tests.factories import make_call
from tests.proposals import pdfs
from tests.proposals.conftest import pdf_upload, start


def _stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return (
        [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]
        if os.path.exists(root)
        else []
    )


def _upload(client, proposal, data, name="annex.pdf", kind="technical"):
    return client.post(
        reverse("proposals:annexes", args=[proposal.pk]),
        {"kind": kind, "file": pdf_upload(data, name)},
        headers={"accept": "application/json"},
    )


@pytest.fixture
def draft(open_call, eu_researcher):
    return start(open_call, eu_researcher)


def test_a_good_pdf_is_stored_under_a_generated_name_with_its_hash(client_eu_researcher, draft, settings):
    data = pdfs.good_pdf(2)
    response = _upload(client_eu_researcher, draft, data, name="../../etc/Our plan.pdf")
    assert response.status_code == 200, response.content
    annex = Annex.objects.get(proposal=draft)
    import hashlib

    assert annex.sha256 == hashlib.sha256(data).hexdigest()
    assert (annex.pages, annex.size, annex.original_name) == (2, len(data), "Our plan.pdf")
    assert annex.file.name.startswith(f"annexes/{draft.pk}/") and "Our plan" not in annex.file.name


@pytest.mark.parametrize(
    ("builder", "message"),
    [
        (pdfs.html_named_pdf, "web page (HTML)"),
        (pdfs.pdf_with_javascript, "JavaScript"),
        (pdfs.pdf_with_open_action_js, "JavaScript"),
        (pdfs.pdf_with_page_additional_action, "actions automatically"),
        (pdfs.pdf_with_embedded_file, "embedded files"),
        (pdfs.encrypted_pdf, "encrypted"),
        (pdfs.broken_pdf, "damaged"),
        (pdfs.zip_named_pdf, "ZIP archive"),
        (lambda: pdfs.pdf_bomb(110 * 1024 * 1024), "compression bomb"),
        (lambda: b"", "empty"),
    ],
    ids=["html", "js", "openaction", "aa", "embedded", "encrypted", "broken", "zip", "bomb", "empty"],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_kept(
    client_eu_researcher, draft, settings, builder, message
):
    response = _upload(client_eu_researcher, draft, builder(), name="x.pdf")
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"]["file"])
    assert not Annex.objects.exists()
    assert _stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused_on_the_page(client_eu_researcher, draft, settings):
    settings.ANNEX_MAX_BYTES = 2048
    response = client_eu_researcher.post(
        reverse("proposals:annexes", args=[draft.pk]),
        {"kind": "technical", "file": pdf_upload(b"%PDF-" + b"0" * 5000)},
    )
    assert response.status_code == 200
    assert "larger than the limit" in response.content.decode()
    assert not Annex.objects.exists() and _stored_files(settings) == []


class CountingStream(io.RawIOBase):
    """A request body announcing ``declared`` bytes that counts how much the server reads."""

    def __init__(self, head: bytes, declared: int):
        self.head, self.declared, self.read_bytes = head, declared, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.read_bytes >= self.declared:
            return 0
        n = min(len(buffer), self.declared - self.read_bytes)
        start = self.read_bytes
        chunk = (self.head[start : start + n] if start < len(self.head) else b"") or b"A" * n
        chunk = chunk.ljust(n, b"A")
        buffer[:n] = chunk
        self.read_bytes += n
        return n


def _huge_request(declared: int, settings) -> tuple[WSGIRequest, CountingStream]:
    boundary = "BoUnDaRy"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ntechnical\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    stream = CountingStream(head, declared)
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(declared),
        "wsgi.input": io.BufferedReader(stream, buffer_size=64 * 1024),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "PATH_INFO": "/",
    }
    return WSGIRequest(environ), stream


def test_a_2_gb_upload_is_refused_without_reading_its_body(settings):
    request, stream = _huge_request(2 * 1024**3, settings)
    handler = use_annex_upload_handler(request)
    assert "file" not in request.FILES
    assert handler.too_large
    assert stream.read_bytes < 1024 * 1024  # only the first buffered block, never the 2 GB
    assert _stored_files(settings) == []


def test_an_upload_that_lies_about_its_length_stops_at_the_limit(settings):
    """A body longer than the limit while its declared length is small: counting the streamed bytes
    stops it anyway."""
    settings.ANNEX_MAX_BYTES = 256 * 1024
    request, stream = _huge_request(settings.ANNEX_MAX_BYTES + 60 * 1024, settings)
    handler = use_annex_upload_handler(request)
    assert "file" not in request.FILES
    assert handler.too_large
    assert stream.read_bytes <= settings.ANNEX_MAX_BYTES + 128 * 1024


GIB = 1024**3


def _post_streamed(client, url, *, declared: int, fields: dict, **headers):
    """POST a multipart body that announces ``declared`` bytes and streams a file of that size
    (after ``fields``) through the whole Django stack, counting what the server reads."""
    boundary = "BoUnDaRy"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    )
    stream = CountingStream(head.encode(), declared)
    content_type = f"multipart/form-data; boundary={boundary}"
    response = client.generic(
        "POST",
        url,
        content_type=content_type,  # DRF's test client takes it from here, Django's from the environ
        headers=headers,
        **{
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(declared),
            "wsgi.input": io.BufferedReader(stream, buffer_size=64 * 1024),
        },
    )
    return response, stream


# (declared length, ANNEX_MAX_BYTES, most the server may read). A 2 GB request is refused on its
# announced length after the first buffered block; one that announces no more than the limit plus
# the form's overhead is cut off once its file passes the limit (it is small anyway: no bound).
OVERSIZED = pytest.mark.parametrize(
    ("declared", "limit", "read_at_most"),
    [(2 * GIB, 10 * 1024 * 1024, 1024 * 1024), (256 * 1024 + 60 * 1024, 256 * 1024, None)],
    ids=["announces-2GB", "streams-past-the-limit"],
)


@OVERSIZED
def test_an_oversized_upload_to_the_annex_page_is_a_form_error_and_reads_little(
    client_eu_researcher, draft, settings, declared, limit, read_at_most
):
    settings.ANNEX_MAX_BYTES = limit
    url = reverse("proposals:annexes", args=[draft.pk])
    response, stream = _post_streamed(
        client_eu_researcher, url, declared=declared, fields={"kind": "technical"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [too_large_message()]
    assert "larger than the limit" in response.content.decode()
    assert read_at_most is None or stream.read_bytes <= read_at_most
    assert not Annex.objects.exists() and _stored_files(settings) == []


@OVERSIZED
def test_an_oversized_upload_from_the_annex_page_script_is_a_400_on_the_file(
    client_eu_researcher, draft, settings, declared, limit, read_at_most
):
    settings.ANNEX_MAX_BYTES = limit
    url = reverse("proposals:annexes", args=[draft.pk])
    response, stream = _post_streamed(
        client_eu_researcher, url, declared=declared, fields={"kind": "technical"}, accept="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [too_large_message()]
    assert read_at_most is None or stream.read_bytes <= read_at_most
    assert not Annex.objects.exists() and _stored_files(settings) == []


@OVERSIZED
def test_an_oversized_api_upload_is_a_400_on_the_file_and_reads_little(
    eu_researcher, draft, settings, declared, limit, read_at_most
):
    from rest_framework.test import APIClient

    settings.ANNEX_MAX_BYTES = limit
    client = APIClient()
    client.force_authenticate(eu_researcher)
    response, stream = _post_streamed(
        client,
        reverse("api:annex-list"),
        declared=declared,
        fields={"proposal": draft.pk, "kind": "technical"},
        accept="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"file": [too_large_message()]}
    assert read_at_most is None or stream.read_bytes <= read_at_most
    assert not Annex.objects.exists() and _stored_files(settings) == []


def test_the_page_limit_is_checked_on_upload(client_eu_researcher, eu_researcher, settings):
    call = make_call(page_limit=3)
    proposal = start(call, eu_researcher)
    response = _upload(client_eu_researcher, proposal, pdfs.good_pdf(4))
    assert response.status_code == 400 and "4 pages" in " ".join(response.json()["errors"]["file"])
    assert _upload(client_eu_researcher, proposal, pdfs.good_pdf(2)).status_code == 200
    response = _upload(client_eu_researcher, proposal, pdfs.good_pdf(2))
    assert response.status_code == 400 and "would have 4 pages" in " ".join(response.json()["errors"]["file"])
    assert (
        _upload(client_eu_researcher, proposal, pdfs.good_pdf(2), kind="coordination_agreement").status_code
        == 200
    )


def test_an_annex_is_downloaded_only_as_an_audited_attachment(client_eu_researcher, draft, eu_researcher):
    _upload(client_eu_researcher, draft, pdfs.good_pdf())
    annex = Annex.objects.get()
    response = client_eu_researcher.get(reverse("proposals:annex_download", args=[draft.pk, annex.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AuditEntry.objects.filter(action="proposal.annex_download", actor_id=eu_researcher.pk).exists()


@pytest.mark.parametrize("who", ["jp_researcher", "eu_officer", "jp_officer", "stranger"])
def test_an_annex_is_hidden_from_everyone_outside_the_consortium_before_the_deadline(
    client_eu_researcher, draft, client_for, request, who
):
    from tests.factories import make_user

    _upload(client_eu_researcher, draft, pdfs.good_pdf())
    annex = Annex.objects.get()
    user = make_user("EU", "researcher") if who == "stranger" else request.getfixturevalue(who)
    response = client_for(user).get(reverse("proposals:annex_download", args=[draft.pk, annex.pk]))
    assert response.status_code == 404


def test_a_file_is_never_served_from_a_media_url(client_eu_researcher, draft, settings):
    _upload(client_eu_researcher, draft, pdfs.good_pdf())
    annex = Annex.objects.get()
    assert client_eu_researcher.get(settings.MEDIA_URL + annex.file.name).status_code == 404
