"""Report attachments and the letter's governance documents pass the same upload checks as annexes:
by content, no active content, no embedded files, not encrypted, no compression bomb, within the
size limit; refused with a clear message, nothing kept, and stored under generated names."""

import datetime as dt
import os

import pytest
from django.urls import reverse

from loi_portal.governance_models import DisclosurePermission, DiscontinuationNotice
from reporting.models import ReportAttachment
from tests.factories import OrganisationFactory
from tests.proposals import pdfs
from tests.proposals.conftest import pdf_upload

pytestmark = pytest.mark.django_db

SMALL_LIMIT = 200_000  # above the 110 MB bomb, which packs into about 110 KB

BAD_FILES = [
    pytest.param(pdfs.html_named_pdf, "web page (HTML)", id="html"),
    pytest.param(pdfs.pdf_with_javascript, "JavaScript", id="js"),
    pytest.param(pdfs.pdf_with_open_action_js, "JavaScript", id="openaction"),
    pytest.param(pdfs.pdf_with_embedded_file, "embedded files", id="embedded"),
    pytest.param(pdfs.encrypted_pdf, "encrypted", id="encrypted"),
    pytest.param(lambda: pdfs.pdf_bomb(110 * 1024 * 1024), "compression bomb", id="bomb"),
    pytest.param(lambda: pdfs.good_pdf() + b"%" * (SMALL_LIMIT + 1), "larger than the limit", id="oversized"),
]


def _stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


@pytest.fixture
def small_limit(settings):
    settings.ANNEX_MAX_BYTES = SMALL_LIMIT


def _attach(client, report, data, name="minutes.pdf"):
    return client.post(
        reverse("reporting:report-edit", args=[report.pk]),
        {"action": "attachment", "attachment-file": pdf_upload(data, name)},
    )


@pytest.mark.parametrize("builder, message", BAD_FILES)
def test_a_bad_report_attachment_is_refused_with_a_clear_message_and_nothing_kept(
    client_for, report, authors, settings, small_limit, builder, message
):
    response = _attach(client_for(authors["EU"]), report, builder(), name="minutes.pdf")
    assert response.status_code == 200
    assert message in response.context["attachment_form"].errors["file"][0]
    assert message in response.content.decode()
    assert not ReportAttachment.objects.exists()
    assert _stored_files(settings) == []


def test_a_good_report_attachment_is_stored_under_a_generated_name(client_for, report, authors, settings):
    data = pdfs.good_pdf()
    response = _attach(client_for(authors["JP"]), report, data, name="../../etc/minutes.pdf")
    assert response.status_code == 302
    attachment = ReportAttachment.objects.get()
    assert attachment.original_name == "minutes.pdf"
    assert "minutes" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert attachment.size == len(data)
    assert [os.path.basename(p) for p in _stored_files(settings)] == [os.path.basename(attachment.file.name)]


def _notice(client, data, name="notice.pdf"):
    return client.post(
        reverse("governance:notice_new"),
        {
            "given_on": "2026-12-01",
            "text": "The EU discontinues.",
            "confirm": "on",
            "document": pdf_upload(data, name),
        },
    )


def _disclosure(client, project, data, name="permission.pdf"):
    organisation = OrganisationFactory(side_code="EU")
    return client.post(
        reverse("governance:disclosure_new"),
        {
            "kind": "reporting.project",
            "identifier": str(project.pk),
            "provided_by": organisation.pk,
            "audience": "third_party",
            "third_party": "Digital Partnership Council",
            "permitted_on": "2026-11-02",
            "document": pdf_upload(data, name),
        },
    )


@pytest.mark.parametrize("builder, message", BAD_FILES)
def test_a_bad_governance_document_is_refused_with_a_clear_message_and_nothing_kept(
    client_eu_officer, settings, small_limit, builder, message
):
    response = _notice(client_eu_officer, builder())
    assert response.status_code == 200
    assert message in response.context["form"].errors["document"][0]
    assert not DiscontinuationNotice.objects.exists()
    assert _stored_files(settings) == []


def test_a_governance_document_is_stored_under_a_generated_name_and_downloads(client_jp_officer, settings):
    response = _notice(client_jp_officer, pdfs.good_pdf(), name="our secret plan.pdf")
    assert response.status_code == 302
    notice = DiscontinuationNotice.objects.get()
    assert "secret" not in notice.document.name and notice.document.name.endswith(".pdf")
    assert notice.given_on == dt.date(2026, 12, 1)
    download = client_jp_officer.get(reverse("governance:notice_document", args=[notice.pk]))
    assert download.status_code == 200
    assert f"discontinuationnotice-{notice.pk}.pdf" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_a_written_permission_with_javascript_is_refused_in_the_disclosure_register(
    client_jp_officer, project, settings
):
    response = _disclosure(client_jp_officer, project, pdfs.pdf_with_open_action_js())
    assert response.status_code == 200
    assert "JavaScript" in response.context["form"].errors["document"][0]
    assert not DisclosurePermission.objects.exists()
    assert _stored_files(settings) == []
