"""Accessibility checks run inside the page: axe-core from the npm registry, and keyboard-only input.

axe-core is evaluated in the page through Playwright (the DevTools protocol), which the portal's
Content Security Policy (script-src 'self') does not govern, unlike ``page.add_script_tag``: so the
journeys run with the policy enforced, as users do, and the portal itself never ships axe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA rules, plus axe's best practices (landmarks, headings, ...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@dataclass
class Violation:
    rule: str
    impact: str
    help: str
    url: str
    targets: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = ", ".join(self.targets[:5]) + (" …" if len(self.targets) > 5 else "")
        return f"[{self.impact}] {self.rule}: {self.help} on {self.url} at {where}"


def axe_violations(page: Page) -> list[Violation]:
    """Runs axe-core on the page as it is now and returns every violation found."""
    if not AXE_PATH.exists():
        raise RuntimeError(f"{AXE_PATH} is missing: run `make node` (npm ci) first.")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_PATH.read_text(encoding="utf-8") + "\n;undefined")
    results = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            const r = await axe.run(document, options);
            return r.violations.map(v => ({
                rule: v.id, impact: v.impact || 'minor', help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }""",
        AXE_TAGS,
    )
    return [Violation(url=page.url, **item) for item in results]


def tab_to(page: Page, target: Locator, *, max_presses: int = 80, backwards: bool = False) -> None:
    """Presses Tab (or Shift+Tab) until ``target`` has the focus, as a keyboard user would.

    Fails when the element cannot be reached by the keyboard within ``max_presses``."""
    handle = target.element_handle()
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(max_presses):
        if page.evaluate("(el) => el === document.activeElement", handle):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} cannot be reached with the Tab key ({max_presses} presses).")


def type_into(page: Page, target: Locator, text: str, *, clear: bool = True) -> None:
    """Tabs to a text field and types into it; Ctrl+A first replaces what it held."""
    tab_to(page, target)
    if clear:
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.press("Delete")
    page.keyboard.type(text)


def choose_with_keyboard(page: Page, select: Locator, label: str) -> None:
    """Tabs to a <select> and moves with the arrow keys to the option whose text is ``label``."""
    tab_to(page, select)
    labels = [text.strip() for text in select.locator("option").all_inner_texts()]
    wanted = next(i for i, text in enumerate(labels) if text == label or label in text)
    current = select.evaluate("(el) => el.selectedIndex")
    key = "ArrowDown" if wanted >= current else "ArrowUp"
    for _ in range(abs(wanted - current)):
        page.keyboard.press(key)
    selected = select.evaluate("(el) => el.options[el.selectedIndex].text").strip()
    assert label in selected, f"the keyboard chose {selected!r}, not {label!r}"


def choose_value_with_keyboard(page: Page, select: Locator, value: str) -> None:
    """Chooses the option whose value is ``value`` with the arrow keys, whatever its label's language."""
    choose_with_keyboard(page, select, select.locator(f"option[value='{value}']").inner_text().strip())


def press_button(page: Page, button: Locator, key: str = "Enter") -> None:
    """Tabs to a button and presses Enter (or Space) on it, waiting for the page it leads to."""
    tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press(key)
