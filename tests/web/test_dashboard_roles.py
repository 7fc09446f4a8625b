"""Each role signs in at its own node and sees its own pages, and only those."""

from __future__ import annotations

from typing import Any

import pytest
from web_screens import screenshot

#: org, its main page, the heading there (Chinese), a text the page must show
MAIN_PAGES = [
    ("registrar", "/registrar/queue", "待审核登记", "没有待审核的登记"),
    ("bank-01", "/pledgee/contracts", "我的合约", "ZY2024-0002"),
    ("regulator", "/regulator/views", "穿透式视图", "600100"),
    ("court-01", "/court/freezes", "冻结", "案号"),
    ("exchange", "/exchange/prices", "行情发布", "2024-12-03"),
]


@pytest.mark.parametrize(("org", "path", "heading", "shown"), MAIN_PAGES)
def test_each_role_lands_on_its_main_page(
    sign_in: Any, org: str, path: str, heading: str, shown: str
) -> None:
    # Prepare / Execute: sign in with the member's own key
    page = sign_in(org)

    # Assert: the role's main page, in Chinese, acting as that member
    assert page.url.endswith(path)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.get_by_test_id("org").inner_text() == org
    assert shown in page.locator("main").inner_text()
    assert "NaN" not in page.content()
    screenshot(page, org)
    page.context.close()


def test_a_page_of_another_role_is_refused(sign_in: Any) -> None:
    # Prepare
    page = sign_in("bank-01")

    # Execute: a bank asks for the regulator's penetrating views
    response = page.goto(page.base + "/regulator/views")

    # Assert: 403 with the ledger's reason code, nothing of the view shown
    assert response.status == 403
    problem = page.get_by_test_id("problem").inner_text()
    assert "role_denied" in problem
    assert "bank-01" in problem
    assert "600100" not in page.locator("main").inner_text()
    page.context.close()


def test_signing_in_with_another_members_credential_is_refused(browser: Any, nodes: Any) -> None:
    # Prepare
    page = browser.new_page()
    page.goto(nodes.urls["bank-01"] + "/signin")

    # Execute: the registrar's client credential presented at bank-01's node
    page.locator("input[type=file]").set_input_files(str(nodes.credentials["registrar"]))
    page.locator("form.action button[type=submit]").click()

    # Assert: refused with the API's reason code, still not signed in
    assert "not_this_member" in page.get_by_test_id("problem").inner_text()
    response = page.goto(nodes.urls["bank-01"] + "/pledgee/contracts")
    assert response.url.endswith("/signin?next=/pledgee/contracts")
    page.close()


def test_a_bank_sees_another_pledgees_terms_sealed(sign_in: Any) -> None:
    # Prepare
    page = sign_in("bank-01", lang="en")

    # Execute: a broker's contract (bank-01 is not among the recipients of its terms)
    page.goto(page.base + "/pledgee/contract/HG2024-0001")

    # Assert: the public elements are there, the terms read the CLI's marker, no actions are offered
    terms = page.locator("table").first.inner_text()
    assert "sealed (not entitled)" in terms
    assert "¥" not in terms
    assert page.locator("form.action").count() == 0
    assert "Guarantee ratio" not in page.locator("main").inner_text()  # not in the bank's book
    # ... while its own contract shows the opened terms and its actions
    page.goto(page.base + "/pledgee/contract/ZY2024-0002")
    assert "sealed" not in page.locator("table").first.inner_text()
    assert page.get_by_role("button", name="Release").count() == 1
    summary = page.locator("ul.summary").inner_text()
    assert "Guarantee ratio" in summary and "Distance to the closing line" in summary
    page.context.close()


def test_switching_language_keeps_the_page(sign_in: Any) -> None:
    # Prepare
    page = sign_in("regulator")
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    # Execute: the header's switch
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()

    # Assert: the same page in English, headings people read
    assert page.url.endswith("/regulator/views")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Penetrating views"
    assert "Pledge ratio" in page.locator("thead").first.inner_text()
    page.get_by_role("button", name="中文").click()
    assert page.get_by_role("heading", level=1).inner_text() == "穿透式视图"
    page.context.close()


def test_each_member_reads_only_its_own_alerts(sign_in: Any) -> None:
    # Prepare: Tuesday's closes 30% below Monday's put contracts below their lines
    bank, regulator = sign_in("bank-01", lang="en"), sign_in("regulator", lang="en")

    # Execute
    bank.goto(bank.base + "/pledgee/alerts")
    regulator.goto(regulator.base + "/regulator/alerts")

    # Assert: the bank's inbox holds its own contract's crossing, delivered to it and the overseers only;
    # the regulator's holds every crossing, other pledgees' included
    mine = bank.locator("main table tbody").inner_text()
    every = regulator.locator("main table tbody").inner_text()
    assert "ZY2024-0002" in mine and "normal → warning" in mine
    assert "HG2024" not in mine
    assert "HG2024-0001" in every and "ZY2024-0002" in every
    for page in (bank, regulator):
        page.context.close()
