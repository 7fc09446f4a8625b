"""The data owner's page: bank-01 sees broker-01's request on its dataset and approves it in the page; a
member without the dataset has no action on it; the JSON view behind the page is the member's own."""

from __future__ import annotations

from typing import Any

from web_alliance import DATASET, GRANT_PURPOSE
from web_screens import screenshot

from pledgenet.client import NodeClient


def _grant_row(page: Any, section: str) -> Any:
    """The row of broker-01's grant in the table under the heading ``section``."""
    table = page.locator(f"h2:text-is('{section}') + table")
    return table.locator("tbody tr", has_text=GRANT_PURPOSE)


def test_the_json_view_lists_the_owners_dataset_and_the_open_request(nodes: Any) -> None:
    # Execute: the bank's own view and the court's, through their signed clients
    with NodeClient(nodes.urls["court-01"], nodes.credentials["court-01"]) as client:
        court = client.get("/views/data")
    with NodeClient(nodes.urls["bank-01"], nodes.credentials["bank-01"]) as client:
        bank = client.get("/views/data")

    # Assert: the bank owns the dataset and may decide the request; the court sees neither
    assert [d["dataset"] for d in bank["datasets"]] == [DATASET]
    assert bank["datasets"][0]["rows"] == 3
    request = next(g for g in bank["grants"] if g["purpose"] == GRANT_PURPOSE)
    assert request["grantee"] == "broker-01"
    assert {"approve", "refuse", "revoke"} <= set(request["actions"]) or request["status"] != "requested"
    assert court["datasets"] == [] and court["grants"] == []


def test_a_member_without_the_dataset_sees_no_approve_button(sign_in: Any) -> None:
    # Prepare / Execute
    page = sign_in("court-01", lang="en")
    page.goto(page.base + "/data")

    # Assert: the page is there, the dataset and its grant are not, nor any action on them
    assert page.get_by_role("heading", level=1).inner_text() == "Data"
    main = page.locator("main").inner_text()
    assert DATASET not in main
    assert page.get_by_role("button", name="Approve").count() == 0
    page.context.close()


def test_the_bank_approves_the_brokers_request_in_its_data_page(sign_in: Any) -> None:
    # Prepare: the bank signs in and opens its Data page (English)
    page = sign_in("bank-01", lang="en")
    page.goto(page.base + "/data")
    datasets = page.locator("h2:text-is('My datasets') + table").inner_text()
    assert DATASET in datasets and "Pledge loans" in datasets
    row = _grant_row(page, "Grants on my datasets")
    assert "broker-01" in row.inner_text() and "requested" in row.inner_text()

    # Execute: approve it in the page
    page.get_by_role("button", name="Approve").first.click()
    page.wait_for_load_state()

    # Assert: the notice, the grant approved with the bank's approval, no approve button left for it
    assert "approved" in page.get_by_role("status").first.inner_text()
    row = _grant_row(page, "Grants on my datasets")
    assert "approved" in row.inner_text()
    assert "owner: bank-01" in row.inner_text()
    assert page.get_by_role("button", name="Approve").count() == 0
    alert = page.locator("h2:text-is('Alerts') + table tbody tr.alert-row")
    assert alert.count() == 1 and "purpose_outside_grant" in alert.inner_text()
    assert page.locator("h2:text-is('Uses of my datasets') + table tr.alert-row").count() == 1
    screenshot(page, "bank-01-data")

    # Execute: approving it again from a stale form is refused with the CLI's line
    page.go_back()
    page.get_by_role("button", name="Approve").first.click()
    page.wait_for_load_state()

    # Assert
    assert "already_decided" in page.get_by_test_id("problem").inner_text()
    page.context.close()
