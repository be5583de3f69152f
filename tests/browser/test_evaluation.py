"""Journey 3: evaluators of both Sides declare no conflict of interest and score; the officers of each
Side reach consensus and release it; both Sides select the proposal jointly and each records the
funding of its own participant. One form of each kind (conflict declaration, review, consensus and
release, selection and its approval, funding) is filled and sent with the keyboard only."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from evaluation.enums import ConsensusState
from evaluation.models import FundingDecision, SelectionList
from tests.browser.accessibility import choose_value_with_keyboard, press_button, tab_to, type_into
from tests.browser.conftest import Portal
from tests.factories import make_assignment, make_call_in_evaluation, make_user, side_evaluation

pytestmark = pytest.mark.browser

EU_SCORES = {"excellence": "4.5", "impact": "4", "implementation": "4"}
JP_SCORES = {"fit": "4", "plan": "4.5", "management": "4", "implementation": "3.5"}


def submit_form(page: Page, button) -> None:
    with page.expect_navigation():
        button.click()


def declare_no_conflict_with_keyboard(portal: Portal, page: Page, proposal, step: str) -> None:
    """From the evaluator's list to the declaration, which is made with the keyboard only."""
    page.locator("nav").get_by_role("link", name="Evaluation", exact=True).click()
    portal.step(page, f"{step}-assignments")
    page.get_by_role("link", name=re.compile(re.escape(proposal.number))).click()
    expect(page.locator("#coi-h")).to_be_visible()
    portal.step(page, f"{step}-conflict-declaration")
    no_conflict = page.locator("input[name=declaration][value=none]")
    tab_to(page, no_conflict)
    page.keyboard.press("Space")
    expect(no_conflict).to_be_checked()
    tab_to(page, page.locator("form.evaluation-coi button[type=submit]"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#abs-h")).to_be_visible()  # the proposal opens beyond its title
    portal.step(page, f"{step}-no-conflict-declared")


def fill_in(page: Page, fields: dict[str, str], *, keyboard: bool) -> None:
    """Fills text fields with the keyboard only (Tab, then typing), or directly."""
    for selector, value in fields.items():
        if keyboard:
            type_into(page, page.locator(selector), value)
        else:
            page.locator(selector).fill(value)


def score(portal: Portal, page: Page, scores: dict[str, str], step: str, *, keyboard: bool = False) -> None:
    page.locator("a[href$='/review/']").click()
    fields = {}
    for code, value in scores.items():
        fields[f"#id_score_{code}"] = value
        fields[f"#id_comment_{code}"] = f"Convincing on {code}."
    fields["#id_overall_comment"] = "A strong joint proposal."
    fill_in(page, fields, keyboard=keyboard)
    if keyboard:
        choose_value_with_keyboard(page, page.locator("#id_confidence"), "high")
    else:
        page.locator("#id_confidence").select_option("high")
    portal.step(page, f"{step}-review-form")
    if keyboard:
        press_button(page, page.locator("button[name=submit]"))
    else:
        submit_form(page, page.locator("button[name=submit]"))
    expect(page.locator(".alert-success")).to_be_visible()


def reach_consensus_and_release(
    portal: Portal, page: Page, evaluation, scores: dict[str, str], step: str, *, keyboard: bool = False
):
    page.goto(portal.url(f"/evaluation/calls/{evaluation.call_evaluation_id}/"))
    portal.step(page, f"{step}-call-evaluation")
    page.locator(f"a[href$='/evaluation/proposals/{evaluation.pk}/consensus/']").click()
    expect(page.locator("main table")).to_contain_text("Convincing on")  # the reviews side by side
    fields = {}
    for code, value in scores.items():
        fields[f"#id_score_{code}"] = value
        fields[f"#id_comment_{code}"] = f"The panel agrees on {code}."
    fields["#id_overall_comment"] = "Recommended for funding."
    fill_in(page, fields, keyboard=keyboard)
    portal.step(page, f"{step}-consensus-form")
    if keyboard:
        press_button(page, page.locator("button[name=finalise]"))
    else:
        submit_form(page, page.locator("button[name=finalise]"))
    evaluation.consensus.refresh_from_db()
    assert evaluation.consensus.state == ConsensusState.FINAL
    portal.step(page, f"{step}-consensus-final")
    page.goto(portal.url(f"/evaluation/calls/{evaluation.call_evaluation_id}/release/"))
    if keyboard:
        tab_to(page, page.locator("#id_confirm"))
        page.keyboard.press("Space")
        expect(page.locator("#id_confirm")).to_be_checked()
    else:
        page.locator("#id_confirm").check()
    portal.step(page, f"{step}-release-confirm")
    if keyboard:
        press_button(page, page.locator("main form button[type=submit]"))
    else:
        submit_form(page, page.locator("main form button[type=submit]"))
    expect(page.locator("h1")).to_contain_text("Ranking")
    portal.step(page, f"{step}-released-ranking")


def record_funding(
    portal: Portal, page: Page, call, partner, amount: str, step: str, *, keyboard: bool = False
) -> None:
    page.goto(portal.url(f"/evaluation/funding/{call.pk}/"))
    fill_in(
        page, {f"#amount-{partner.pk}": amount, f"#note-{partner.pk}": "As requested."}, keyboard=keyboard
    )
    record = page.locator(f"#amount-{partner.pk}").locator("xpath=ancestor::form//button")
    if keyboard:
        press_button(page, record)
    else:
        submit_form(page, record)
    expect(page.locator(".alert-success")).to_be_visible()
    portal.step(page, f"{step}-funding-recorded")


def test_evaluators_score_and_officers_select_and_fund(portal):
    call, (proposal,) = make_call_in_evaluation(1)
    eu_officer = make_user("EU", "officer", username="eu_officer")
    jp_officer = make_user("JP", "officer", username="jp_officer")
    eu_evaluator = make_user("EU", "evaluator", username="eu_evaluator1")
    jp_evaluator = make_user("JP", "evaluator", username="jp_evaluator1")
    eu_evaluation = side_evaluation(proposal, "EU")
    jp_evaluation = side_evaluation(proposal, "JP")
    make_assignment(eu_evaluation, eu_evaluator, officer=eu_officer, declare=False)
    make_assignment(jp_evaluation, jp_evaluator, officer=jp_officer, declare=False)

    # 1. Each Side's evaluator declares no conflict (keyboard only) and scores under its own criteria.
    eu_ev = portal.page_for("eu_evaluator1")
    declare_no_conflict_with_keyboard(portal, eu_ev, proposal, "eu-evaluator")
    score(portal, eu_ev, EU_SCORES, "eu-evaluator", keyboard=True)
    jp_ev = portal.page_for("jp_evaluator1")
    declare_no_conflict_with_keyboard(portal, jp_ev, proposal, "jp-evaluator")
    score(portal, jp_ev, JP_SCORES, "jp-evaluator")

    # 2. Each Side's officer reaches consensus and releases it to the other Side (the EU's with the
    # keyboard only).
    eu = portal.page_for("eu_officer")
    jp = portal.page_for("jp_officer")
    reach_consensus_and_release(portal, eu, eu_evaluation, EU_SCORES, "eu-officer", keyboard=True)
    reach_consensus_and_release(portal, jp, jp_evaluation, JP_SCORES, "jp-officer")
    eu_evaluation.consensus.refresh_from_db()
    assert eu_evaluation.consensus.total == Decimal("12.5")

    # 3. Joint selection: the JP officer selects the proposal and approves the list (keyboard only),
    # then the EU officer approves it.
    jp.goto(portal.url(f"/evaluation/selection/{call.pk}/"))
    entry = SelectionList.objects.get(call=call).entries.get(proposal=proposal)
    choose_value_with_keyboard(jp, jp.locator(f"#outcome-{entry.pk}"), "selected")
    press_button(jp, jp.locator(f"#outcome-{entry.pk}").locator("xpath=ancestor::form//button"))
    portal.step(jp, "jp-officer-selected")
    press_button(jp, jp.get_by_role("button", name="Approve this list for my Side"))
    eu.goto(portal.url(f"/evaluation/selection/{call.pk}/"))
    expect(eu.locator(f"#outcome-{entry.pk} option:checked")).to_have_text("Selected")
    portal.step(eu, "eu-officer-selection")
    submit_form(eu, eu.get_by_role("button", name="Approve this list for my Side"))
    expect(eu.locator("main .badge.text-bg-success").first).to_be_visible()
    portal.step(eu, "eu-officer-selection-in-effect")

    # 4. Each Side funds only its own participant, in its own currency (the EU with the keyboard only).
    eu_partner = proposal.partners.get(side__code="EU")
    jp_partner = proposal.partners.get(side__code="JP")
    record_funding(portal, eu, call, eu_partner, "1000000.00", "eu-officer", keyboard=True)
    record_funding(portal, jp, call, jp_partner, "50000000", "jp-officer")
    expect(jp.locator("main")).to_contain_text("¥50,000,000")
    decisions = {d.side.code: d.amount_minor for d in FundingDecision.objects.filter(call=call)}
    assert decisions == {"EU": 100_000_000, "JP": 50_000_000}
    # The EU officer cannot fund the Japanese participant: only their own Side's partner is listed.
    eu.goto(portal.url(f"/evaluation/funding/{call.pk}/"))
    expect(eu.locator(f"#amount-{jp_partner.pk}")).to_have_count(0)
