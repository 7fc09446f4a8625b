"""Accessibility basics in the browser: axe-core finds no serious or critical violation on the main pages
(labels, contrast, names, landmarks), and the pages work from the keyboard."""

from __future__ import annotations

from typing import Any

import pytest

PAGES = [
    ("registrar", "/registrar/weekly"),
    ("bank-01", "/pledgee/new"),
    ("bank-01", "/pledgee/contract/ZY2024-0002"),
    ("regulator", "/regulator/stress"),
    ("court-01", "/court/freezes"),
    ("exchange", "/explorer"),
    ("bank-01", "/data"),
]


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        f"{[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(("org", "path"), PAGES)
def test_axe_finds_no_serious_violation(sign_in: Any, org: str, path: str) -> None:
    # Prepare
    page = sign_in(org)
    page.goto(page.base + path)

    # Execute
    serious = _serious(page)

    # Assert
    assert serious == []
    page.context.close()


def test_the_sign_in_page_passes_axe(browser: Any, nodes: Any) -> None:
    page = browser.new_page()
    page.goto(nodes.urls["regulator"] + "/signin")
    assert _serious(page) == []
    page.close()


def test_the_keyboard_reaches_the_content_and_the_navigation(sign_in: Any) -> None:
    # Prepare
    page = sign_in("regulator", lang="en")

    # Execute: the first Tab lands on the skip link, Enter jumps to the content
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")

    # Assert: skip link first; then Tab walks through the header's controls into the navigation
    assert first == "Skip to content"
    page.wait_for_url("**#main")
    page.goto(page.base + "/regulator/views")
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert "Concentration" in reached
    # and the view chooser is operable from the keyboard: focus it, choose, submit with Enter
    page.get_by_role("combobox", name="View by").focus()
    page.keyboard.press("ArrowDown")  # the next view: shareholder
    page.get_by_role("button", name="Show").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "by=shareholder" in page.url
    assert page.get_by_role("heading", level=2).first.inner_text() == "shareholder (look-through)"
    page.context.close()
