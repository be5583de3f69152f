"""The strict CSP in a real browser: Swagger UI and the log-in page work, with no CSP violation."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop lives in this thread

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is needed for the browser tests: make system installs it.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The journeys' flags: no sandbox (containers), no GPU, no network of Chromium's own.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.violations = []
        page.on(
            "console",
            lambda message: (
                page.violations.append(message.text)
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        yield page
        context.close()
        browser.close()


def test_swagger_ui_renders_the_api_under_the_csp(page, live_server, settings):
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .information-container .title")
    page.wait_for_selector(".opblock-tag-section")
    assert "LoI Portal API" in page.inner_text(".information-container .title")
    assert page.violations == []


def test_login_page_has_no_csp_violation(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_selector("input[name=username]")
    assert page.violations == []


def test_redoc_renders_the_api_under_its_page_policy(page, live_server):
    page.goto(f"{live_server.url}/api/redoc/")
    # Redoc parses the whole schema in the browser: slower than a page on a busy test machine.
    page.wait_for_selector("h1:has-text('LoI Portal API')", timeout=60_000)
    # Redoc's "powered by" logo from its CDN is refused by img-src, as intended: nothing is fetched
    # from the internet. Nothing else may be refused.
    assert [v for v in page.violations if "https://cdn.redoc.ly/" not in v] == []
