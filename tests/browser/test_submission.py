"""Journeys 2 and 5: a researcher registers, drafts a proposal with a partner from each Side, uploads a
PDF annex, fixes a validation error without losing what they typed, submits and downloads the receipt;
once in English and once in Japanese (chosen with the language switcher). Registration, the start of
the proposal, the first partner, the annex upload and the submission are done with the keyboard only."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader, PdfWriter

from calls.enums import CallState
from proposals.models import Proposal
from tests.browser.accessibility import (
    choose_value_with_keyboard,
    choose_with_keyboard,
    press_button,
    tab_to,
    type_into,
)
from tests.browser.conftest import PASSWORD, Portal
from tests.factories import OrganisationFactory, TopicFactory, make_call

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Ui:
    """What the researcher sees in their language. Strings marked (*) come from Django's own
    translations; the others are the portal's, from locale/ja."""

    language: str
    switcher_label: str
    required_error: str  # (*)
    profile_language: str  # (*) the language's name in the registration form
    dashboard_heading: str
    log_in_link: str  # (*) in the navigation bar
    save_button: str  # (*) Django's own "Save"
    invalid_email_error: str  # (*)
    log_out_button: str  # (*) in the navigation bar once signed in
    receipt_heading: str


ENGLISH = Ui(
    language="en",
    switcher_label="English",
    required_error="This field is required.",
    profile_language="English",
    dashboard_heading="Dashboard",
    log_in_link="Log in",
    save_button="Save",
    invalid_email_error="Enter a valid email address.",
    log_out_button="Log out",
    receipt_heading="Submission receipt",
)
JAPANESE = Ui(
    language="ja",
    switcher_label="日本語",
    required_error="この項目は必須です。",
    profile_language="日本語",
    dashboard_heading="ダッシュボード",
    log_in_link="ログイン",
    save_button="保存",
    invalid_email_error="有効なメールアドレスを入力してください。",
    log_out_button="ログアウト",
    receipt_heading="提出受領証",
)


@pytest.fixture
def open_call_for_researchers(db):
    topic = TopicFactory(title="Quantum sensing for earthquake early warning")
    OrganisationFactory(
        name="Technische Universiteit Delft", side_code="EU", email_domain="tudelft.example.nl"
    )
    OrganisationFactory(name="Osaka University", side_code="JP", email_domain="osaka-u.example.jp")
    return make_call(
        state=CallState.OPEN, title="Quantum technologies for resilient societies", topics=[topic]
    )


def switch_language(page: Page, ui: Ui) -> None:
    """Uses the switcher in the navigation bar, with the keyboard."""
    choose_with_keyboard(page, page.locator("#language-switcher"), ui.switcher_label)
    tab_to(page, page.locator("#language-switcher ~ button[type=submit]"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", ui.language)


def register_with_keyboard(portal: Portal, page: Page, ui: Ui, *, username: str) -> None:
    """Fills the registration form with the keyboard only; a first try without a last name shows
    the error next to the field and keeps everything else that was typed."""
    page.goto(portal.url("/accounts/register/"))
    expect(page.locator("html")).to_have_attribute("lang", ui.language)
    expect(page.get_by_role("navigation").get_by_role("link", name=ui.log_in_link)).to_be_visible()
    portal.step(page, "register")
    type_into(page, page.locator("#id_first_name"), "Aiko")
    type_into(page, page.locator("#id_username"), username)
    type_into(page, page.locator("#id_email"), f"{username}@osaka-u.example.jp")
    choose_with_keyboard(page, page.locator("#id_organisation"), "Osaka University")
    choose_with_keyboard(page, page.locator("#id_language"), ui.profile_language)
    type_into(page, page.locator("#id_password1"), PASSWORD)
    type_into(page, page.locator("#id_password2"), PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    last_name = page.locator("#id_last_name")
    expect(last_name.locator("xpath=..")).to_contain_text(ui.required_error)
    expect(page.locator("#id_first_name")).to_have_value("Aiko")
    expect(page.locator("#id_username")).to_have_value(username)
    expect(page.locator("#id_email")).to_have_value(f"{username}@osaka-u.example.jp")
    expect(page.locator("#id_organisation option:checked")).to_have_text(re.compile("Osaka University"))
    portal.step(page, "register-error-kept-input")
    type_into(page, last_name, "Tanaka")
    # Passwords are not sent back to the browser: typed again, as any site asks.
    type_into(page, page.locator("#id_password1"), PASSWORD)
    type_into(page, page.locator("#id_password2"), PASSWORD)
    tab_to(page, page.locator("main form button[type=submit]"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dashboard/"))
    expect(page.locator("h1")).to_have_text(ui.dashboard_heading)
    expect(page.locator("nav").get_by_role("button", name=ui.log_out_button)).to_be_visible()
    portal.step(page, "registered-dashboard")


def make_annex_pdf(path: Path, pages: int = 3) -> Path:
    """A small, clean PDF (blank A4 pages) as a researcher would upload."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Technical annex"})
    with path.open("wb") as out:
        writer.write(out)
    return path


def start_proposal_with_keyboard(portal: Portal, page: Page, call) -> None:
    page.locator("nav a.nav-link[href$='/proposals/']").click()
    portal.step(page, "my-proposals")
    page.locator(f"a[href$='/proposals/start/{call.pk}/']").click()
    expect(page.locator("main")).to_contain_text(call.identifier)
    portal.step(page, "start-proposal")
    type_into(page, page.locator("#id_acronym"), "QUAKE")
    type_into(page, page.locator("#id_title"), "Quantum gravimeter networks for earthquake early warning")
    type_into(
        page,
        page.locator("#id_abstract"),
        "Atom-interferometric gravimeters in Japan and Europe, linked to warn of earthquakes and tsunamis.",
    )
    type_into(page, page.locator("#id_keywords"), "gravimetry, atom interferometry, early warning")
    topic = page.get_by_label("Quantum sensing for earthquake early warning")
    tab_to(page, topic)
    page.keyboard.press("Space")
    expect(topic).to_be_checked()
    press_button(page, page.locator("main form button[type=submit]"))
    page.wait_for_url(re.compile(r"/proposals/\d+/edit/"))
    expect(page.locator("#id_title")).to_have_value(
        "Quantum gravimeter networks for earthquake early warning"
    )


def save(page: Page, ui: Ui) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=ui.save_button, exact=True).click()


def add_partners(portal: Portal, page: Page, ui: Ui) -> None:
    """The Japanese coordinator first (keyboard only), then the EU partner with a mistyped e-mail
    address: the error names the field and nothing typed is lost."""
    choose_with_keyboard(page, page.locator("#id_partners-0-organisation"), "Osaka University (JP)")
    type_into(page, page.locator("#id_partners-0-country"), "JP")
    type_into(page, page.locator("#id_partners-0-pi_name"), "田中 愛子")
    type_into(page, page.locator("#id_partners-0-pi_email"), "aiko.tanaka@osaka-u.example.jp")
    choose_value_with_keyboard(page, page.locator("#id_partners-0-role"), "coordinator")
    type_into(page, page.locator("#id_partners-0-erad_id"), "24-QST-0042")
    type_into(page, page.locator("#id_partners-0-requested"), "50000000")
    press_button(page, page.get_by_role("button", name=ui.save_button, exact=True))
    expect(page.locator("#id_partners-0-pi_name")).to_have_value("田中 愛子")
    portal.step(page, "first-partner-saved")

    page.locator("#id_partners-1-organisation").select_option(label="Technische Universiteit Delft (DE)")
    page.locator("#id_partners-1-country").fill("NL")
    page.locator("#id_partners-1-pi_name").fill("Anna de Vries")
    page.locator("#id_partners-1-pi_email").fill("anna.devries@tudelft")  # no top-level domain
    page.locator("#id_partners-1-role").select_option("participant")
    page.locator("#id_partners-1-requested").fill("1200000.50")
    page.locator("#id_title").fill("Quantum gravimeter networks for earthquake and tsunami warning")
    # The page saves the proposal's own fields as one types; wait for it, as a person would notice.
    expect(page.locator("#autosave-status.text-success")).not_to_be_empty()
    save(page, ui)
    email = page.locator("#id_partners-1-pi_email")
    expect(email.locator("xpath=..")).to_contain_text(ui.invalid_email_error)
    expect(email).to_have_value("anna.devries@tudelft")
    expect(page.locator("#id_partners-1-pi_name")).to_have_value("Anna de Vries")
    expect(page.locator("#id_partners-1-requested")).to_have_value("1200000.50")
    expect(page.locator("#id_partners-1-organisation option:checked")).to_have_text(
        "Technische Universiteit Delft (DE)"
    )
    expect(page.locator("#id_title")).to_have_value(
        "Quantum gravimeter networks for earthquake and tsunami warning"
    )
    portal.step(page, "partner-error-input-kept")
    email.fill("anna.devries@tudelft.example.nl")
    save(page, ui)
    expect(page.locator("#id_partners-1-pi_email")).to_have_value("anna.devries@tudelft.example.nl")
    portal.step(page, "partners-saved")


def upload_annex_with_keyboard(portal: Portal, page: Page, proposal, annex: Path) -> None:
    """The file chooser is the operating system's: the file is set on the field once Tab reached it."""
    page.goto(portal.url(f"/proposals/{proposal.pk}/annexes/"))
    portal.step(page, "annexes")
    choose_value_with_keyboard(page, page.locator("#id_kind"), "technical")
    tab_to(page, page.locator("#id_file"))
    page.locator("#id_file").set_input_files(str(annex))
    tab_to(page, page.locator("#annex-upload button[type=submit]"))
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page.locator("main table")).to_contain_text(annex.name)
    portal.step(page, "annex-uploaded")


def submit_and_download_receipt(portal: Portal, page: Page, ui: Ui, proposal, download_dir: Path) -> None:
    page.goto(portal.url(f"/proposals/{proposal.pk}/"))
    expect(page.locator("main ul.text-danger")).to_have_count(0)  # the checklist has no blocker left
    portal.step(page, "ready-to-submit")
    page.locator(f"a[href$='/proposals/{proposal.pk}/submit/']").click()
    tab_to(page, page.locator("#id_confirm"))
    page.keyboard.press("Space")
    expect(page.locator("#id_confirm")).to_be_checked()
    portal.step(page, "submit-confirmation")
    press_button(page, page.locator("main form button[type=submit]"))
    page.wait_for_url(re.compile(rf"/proposals/{proposal.pk}/receipt/1/"))
    proposal.refresh_from_db()
    submission = proposal.submissions.get(version=1)
    expect(page.locator("code.sha")).to_have_text(submission.sha256)
    expect(page.locator("main")).to_contain_text(proposal.number)
    expect(page.locator("main h2")).to_have_text(ui.receipt_heading)
    portal.step(page, "receipt")
    with page.expect_download() as download_info:
        page.locator("a[href$='/receipt/1/pdf/']").click()
    download = download_info.value
    assert download.suggested_filename == f"receipt-{proposal.number}-v1.pdf"
    saved = download_dir / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    text = "".join(page_.extract_text() for page_ in PdfReader(saved).pages)
    assert proposal.number in text
    assert submission.sha256 in text.replace("\n", "").replace(" ", "")


def researcher_journey(portal: Portal, call, ui: Ui, tmp_path: Path) -> None:
    page = portal.new_page(locale="en-GB")
    page.goto(portal.url("/"))
    portal.step(page, "home")
    if ui.language != "en":
        switch_language(page, ui)
        portal.step(page, "home-switched-language")
    username = f"aiko_{ui.language}"
    register_with_keyboard(portal, page, ui, username=username)
    start_proposal_with_keyboard(portal, page, call)
    proposal = Proposal.objects.get(call=call, created_by__username=username)
    add_partners(portal, page, ui)
    assert sorted(proposal.partners.values_list("side__code", flat=True)) == ["EU", "JP"]
    upload_annex_with_keyboard(portal, page, proposal, make_annex_pdf(tmp_path / "technical-annex.pdf"))
    submit_and_download_receipt(portal, page, ui, proposal, tmp_path)
    expect(page.locator("html")).to_have_attribute("lang", ui.language)


def test_researcher_submits_a_proposal(portal, open_call_for_researchers, tmp_path):
    researcher_journey(portal, open_call_for_researchers, ENGLISH, tmp_path)


def test_researcher_submits_a_proposal_in_japanese(portal, open_call_for_researchers, tmp_path):
    researcher_journey(portal, open_call_for_researchers, JAPANESE, tmp_path)
