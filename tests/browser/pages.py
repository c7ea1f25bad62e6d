"""What the browser tests do the way a user does: log in, move with the keyboard, and
run axe-core on a page."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.conftest import PASSWORD

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# WCAG 2.2 A and AA, and axe's best practices (landmarks, heading order and the like).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")
# Results axe leaves "to review" that are real faults all the same: an aria-describedby
# or aria-labelledby naming an element that is not on the page. (Its other open
# results, the contrast of text drawn in the SVG charts, need a person's eye.)
REVIEW_IS_VIOLATION = ("aria-valid-attr-value",)


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a user types it."""
    page.goto("/accounts/login/")
    page.get_by_label("ชื่อผู้ใช้", exact=True).fill(username)
    page.get_by_label("รหัสผ่าน", exact=True).fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.get_by_role("button", name="ออกจากระบบ")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="ออกจากระบบ").click()
    expect(page.get_by_role("heading", name="เข้าสู่ระบบ")).to_be_visible()


def shot(page: Page, name: str) -> None:
    """A screenshot of one step of a longer story, beside the test's own."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def focused(page: Page) -> str:
    """A short description of the element that has the keyboard focus."""
    return page.evaluate(
        """() => { const e = document.activeElement;
                   if (!e || e === document.body) return 'body';
                   return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                          + (e.name ? '[name=' + e.name + ']' : ''); }"""
    )


def tab_to(page: Page, locator, *, limit: int = 80) -> int:
    """Press Tab until `locator` has the focus; fails if it never gets it. Returns the
    number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if locator.evaluate("e => e === document.activeElement"):
            return presses
    raise AssertionError(f"Tab never reached {locator} (focus ended on {focused(page)})")


def axe_violations(page: Page, name: str) -> list[dict]:
    """Run axe-core on the page (which must come from a `bypass_csp` context) and return
    its violations (with the REVIEW_IS_VIOLATION results it left to review). Every
    violation, whatever its impact, and what axe left for a person to judge are written
    to var/screenshots/axe-<name>.json for the record."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {
                    "target": n["target"],
                    "html": n["html"][:300],
                    "summary": n.get("failureSummary", ""),
                }
                for n in v["nodes"]
            ],
        }
        for v in result["violations"]
        + [r for r in result["incomplete"] if r["id"] in REVIEW_IS_VIOLATION]
    ]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"axe-{name}.json").write_text(
        json.dumps(
            {
                "url": page.url,
                "violations": violations,
                # What axe could not decide alone (a person should look).
                "incomplete": [
                    {
                        "id": v["id"],
                        "impact": v["impact"],
                        "targets": [n["target"] for n in v["nodes"]],
                    }
                    for v in result["incomplete"]
                ],
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return violations


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
    return "\n".join(lines)
