"""Documents published with a call, and the deadline's calendar file."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from calls import services
from calls.enums import CallDocumentKind
from calls.models import CallDocument
from loi_portal.models import AuditEntry
from tests.calls.helpers import draft_call, published_call
from tests.proposals import pdfs

pytestmark = pytest.mark.django_db


def _upload(content: bytes, name: str = "guide.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _post_document(client, call, content: bytes, *, title="Guide for applicants", name="guide.pdf"):
    return client.post(
        reverse("calls:documents", args=[call.pk]),
        {"title": title, "kind": CallDocumentKind.GUIDE, "file": _upload(content, name)},
    )


def _stored_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT) / "call-documents"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_officer_adds_a_document_and_the_call_text_needs_both_approvals_again(
    client_eu_officer, eu_officer, jp_officer, settings
):
    call = draft_call(eu_officer, jp_officer)
    services.approve_call_text(call, by=eu_officer)
    services.approve_call_text(call, by=jp_officer)
    revision = call.text_revision

    response = _post_document(client_eu_officer, call, pdfs.good_pdf(3))

    assert response.status_code == 302
    document = call.documents.get()
    assert (document.title, document.pages, document.original_name) == (
        "Guide for applicants",
        3,
        "guide.pdf",
    )
    # Stored under a generated name, never the uploader's.
    assert "guide" not in document.file.name and document.file.name.startswith(f"call-documents/{call.pk}/")
    call.refresh_from_db()
    assert call.text_revision == revision + 1
    with pytest.raises(Exception, match=r"both Sides|approv"):
        services.publish_call(call, by=jp_officer)
    assert AuditEntry.objects.filter(action="call.document_add", object_id=str(call.pk)).exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (pdfs.html_named_pdf(), "PDF"),
        (pdfs.pdf_with_javascript(), "JavaScript|script"),
        (pdfs.pdf_with_embedded_file(), "embedded"),
        (pdfs.encrypted_pdf(), "encrypted|password"),
    ],
    ids=["html-named-pdf", "javascript", "embedded-file", "encrypted"],
)
def test_a_document_that_is_not_a_clean_pdf_is_refused_with_a_message_and_nothing_kept(
    client_eu_officer, eu_officer, jp_officer, settings, content, message
):
    import re

    call = draft_call(eu_officer, jp_officer)
    response = _post_document(client_eu_officer, call, content, title="Kept title")

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert re.search(message, errors, re.IGNORECASE), errors
    # The typed title is kept on the form; nothing is stored.
    assert response.context["form"]["title"].value() == "Kept title"
    assert not CallDocument.objects.exists() and _stored_files(settings) == []


def test_a_document_over_the_size_limit_is_refused_while_streaming(
    client_eu_officer, eu_officer, jp_officer, settings
):
    settings.ANNEX_MAX_BYTES = 50_000
    call = draft_call(eu_officer, jp_officer)
    response = _post_document(client_eu_officer, call, pdfs.good_pdf() + b"0" * 60_000)
    assert response.status_code == 200
    assert "larger than the limit" in " ".join(response.context["form"].errors["file"])
    assert not CallDocument.objects.exists() and _stored_files(settings) == []


def test_the_public_sees_and_downloads_the_documents_of_a_published_call(eu_officer, jp_officer):
    call = draft_call(eu_officer, jp_officer)
    services.add_call_document(
        call, by=eu_officer, file=io.BytesIO(pdfs.good_pdf(2)), title="Model agreement", kind="agreement"
    )
    services.approve_call_text(call, by=eu_officer)
    services.approve_call_text(call, by=jp_officer)
    call = services.publish_call(call, by=jp_officer)
    document = call.documents.get()
    anonymous = Client()

    page = anonymous.get(reverse("calls:detail", args=[call.pk]))
    assert "Model agreement" in page.content.decode()
    download = anonymous.get(reverse("calls:document_download", args=[call.pk, document.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    api = anonymous.get(reverse("api:call-detail", args=[call.pk]))
    assert [d["title"] for d in api.json()["documents"]] == ["Model agreement"]
    api_download = anonymous.get(reverse("api:call-document-download", args=[document.pk]))
    assert api_download.status_code == 200
    assert b"".join(api_download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("who", ["anonymous", "eu_researcher", "jp_researcher"])
def test_the_documents_of_a_draft_call_are_hidden_from_everyone_but_officers(
    who, eu_officer, jp_officer, client_for, request
):
    call = draft_call(eu_officer, jp_officer)
    document = services.add_call_document(
        call, by=eu_officer, file=io.BytesIO(pdfs.good_pdf()), title="Draft guide", kind="guide"
    )
    client = Client() if who == "anonymous" else client_for(request.getfixturevalue(who))
    assert client.get(reverse("calls:document_download", args=[call.pk, document.pk])).status_code == 404
    assert client.get(reverse("api:call-document-detail", args=[document.pk])).status_code == 404
    listed = client.get(reverse("api:call-document-list"))
    assert listed.status_code == 200 and listed.json()["count"] == 0
    # The other Side's officer drafts the call too and sees it.
    officer = client_for(jp_officer).get(reverse("calls:document_download", args=[call.pk, document.pk]))
    assert officer.status_code == 200
    assert b"".join(officer.streaming_content).startswith(b"%PDF")


def test_documents_cannot_be_added_or_removed_once_the_call_is_published(
    client_jp_officer, eu_officer, jp_officer
):
    call = draft_call(eu_officer, jp_officer)
    document = services.add_call_document(
        call, by=eu_officer, file=io.BytesIO(pdfs.good_pdf()), title="Guide", kind="guide"
    )
    services.approve_call_text(call, by=eu_officer)
    services.approve_call_text(call, by=jp_officer)
    call = services.publish_call(call, by=jp_officer)

    assert _post_document(client_jp_officer, call, pdfs.good_pdf()).status_code == 403
    remove = reverse("calls:document_remove", args=[call.pk, document.pk])
    assert client_jp_officer.post(remove, {}).status_code == 403
    api = client_jp_officer.delete(reverse("api:call-document-detail", args=[document.pk]))
    assert api.status_code == 403
    assert call.documents.count() == 1


def test_a_researcher_cannot_upload_a_document_through_the_api(client_eu_researcher, eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    response = client_eu_researcher.post(
        reverse("api:call-document-list"),
        {"call": call.pk, "title": "Mine", "kind": "guide", "file": _upload(pdfs.good_pdf())},
    )
    assert response.status_code == 403
    assert not CallDocument.objects.exists()


def test_an_officer_uploads_through_the_api_and_a_bad_file_is_a_400_naming_the_field(
    client_jp_officer, eu_officer, jp_officer
):
    call = draft_call(eu_officer, jp_officer)
    url = reverse("api:call-document-list")
    bad = client_jp_officer.post(
        url, {"call": call.pk, "title": "Guide", "kind": "guide", "file": _upload(pdfs.broken_pdf())}
    )
    assert bad.status_code == 400 and "file" in bad.json()
    good = client_jp_officer.post(
        url, {"call": call.pk, "title": "Guide", "kind": "guide", "file": _upload(pdfs.good_pdf())}
    )
    assert good.status_code == 201, good.content
    assert good.json()["download_url"] == reverse("api:call-document-download", args=[good.json()["id"]])


def test_removing_a_document_asks_for_confirmation_then_removes_row_and_file(
    client_eu_officer, eu_officer, jp_officer, settings, django_capture_on_commit_callbacks
):
    call = draft_call(eu_officer, jp_officer)
    document = services.add_call_document(
        call, by=eu_officer, file=io.BytesIO(pdfs.good_pdf()), title="Old guide", kind="guide"
    )
    url = reverse("calls:document_remove", args=[call.pk, document.pk])
    confirm = client_eu_officer.get(url)
    assert confirm.status_code == 200 and "Old guide" in confirm.content.decode()
    assert len(_stored_files(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_eu_officer.post(url, {})
    assert response.status_code == 302, response.context["form"].errors
    assert not CallDocument.objects.exists() and _stored_files(settings) == []


def test_the_calendar_event_keeps_its_uid_when_the_deadline_moves(client, eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer)
    url = reverse("calls:ics", args=[call.pk])

    def fields():
        lines = client.get(url).content.decode().split("\r\n")
        return {line.split(":", 1)[0]: line.split(":", 1)[1] for line in lines if ":" in line}

    before = fields()
    change = services.request_deadline_change(
        call, by=eu_officer, new_deadline=call.deadline + dt.timedelta(days=2), reason="Outage on 3 March."
    )
    services.approve_deadline_change(change, by=eu_officer)
    services.approve_deadline_change(change, by=jp_officer)
    after = fields()

    assert before["UID"] == after["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert before["DTSTART"] != after["DTSTART"]


def test_the_calendar_file_name_is_quoted_whatever_the_identifier(client, eu_officer, jp_officer):
    call = published_call(eu_officer, jp_officer, identifier='EUJ"2027;x')
    response = client.get(reverse("calls:ics", args=[call.pk]))
    assert response.status_code == 200
    # The quote is escaped inside the quoted file name, so the header cannot be split by it.
    assert response["Content-Disposition"] == 'attachment; filename="EUJ\\"2027;x-deadline.ics"'
