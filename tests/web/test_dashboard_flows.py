"""Flows across members in the browser: a pledge proposed on the bank's form, endorsed from the registrar's
queue, seen in the regulator's views; refusals shown with the CLI's message; proofs checked in the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from web_screens import screenshot

from pledgenet.contracts.register.params import DEFAULT_PARAMS
from pledgenet.errors import PledgenetError
from pledgenet.register import review
from pledgenet.web.pages.pledgee import _terms


def _stock_row(page: Any, code: str) -> str:
    return str(page.locator("main table tbody tr", has_text=code).first.inner_text())


def _pledges_of(row: str) -> int:
    # columns: code, name, board, pledges, ...
    return int(row.split("\t")[3])


def test_a_pledge_from_the_banks_form_reaches_the_register_and_the_regulator(sign_in: Any) -> None:
    # Prepare: what the regulator sees of 600200 before
    regulator = sign_in("regulator", lang="en")
    before = _pledges_of(_stock_row(regulator, "600200"))
    bank, registrar = sign_in("bank-01", lang="en"), sign_in("registrar", lang="en")

    # Execute: the bank proposes a pledge on its form (an investor's account kept at broker-01) ...
    bank.goto(bank.base + "/pledgee/new")
    fields = {"Contract number": "ZY2024-0100", "Pledgor's securities account": "F0006",
              "Stock code": "600200", "Shares": "3000000", "Financing amount (yuan)": "20000000",
              "Previous close (yuan)": "18.35"}  # fmt: skip
    for label, value in fields.items():
        bank.get_by_label(label).fill(value)
    bank.get_by_role("button", name="Propose the pledge").click()
    bank.wait_for_load_state()
    assert "ZY2024-0100" in bank.get_by_role("status").first.inner_text()

    # ... the registrar finds it waiting, with the terms opened and checked, and endorses it
    registrar.goto(registrar.base + "/registrar/queue")
    queued = registrar.locator("main").inner_text()
    assert "ZY2024-0100" in queued and "¥20,000,000.00" in queued and "ok" in queued
    screenshot(registrar, "registrar-queue")
    registrar.get_by_role("button", name="Endorse and register").click()
    registrar.wait_for_load_state()
    done = registrar.get_by_role("status").first.inner_text()
    assert re.search(r"register\.pledge", done)
    assert "Nothing waits for a verdict." in registrar.locator("main").inner_text()

    # Assert: the regulator's view of the stock counts one more pledge; the bank lists its new contract
    regulator.reload()
    assert _pledges_of(_stock_row(regulator, "600200")) == before + 1
    bank.goto(bank.base + "/pledgee/contracts")
    assert "ZY2024-0100" in bank.locator("main table").inner_text()
    for page in (bank, registrar, regulator):
        page.context.close()


def test_terms_the_rules_refuse_show_the_clis_message(sign_in: Any) -> None:
    # Prepare: the message the CLI prints for terms whose closing line lies above the warning line
    terms = _terms("financing_initial", 2_000_000_000, 1835, lines=(14_000, 16_000))
    governed = dict(DEFAULT_PARAMS)  # the test alliance keeps the default rules
    try:
        review.check_terms(terms, governed, quantity=3_000_000, operation="pledge", last_close_fen=1285)
    except PledgenetError as error:
        expected = f"error [{error.code}]: {error.message}"
    page = sign_in("bank-01", lang="en")
    page.goto(page.base + "/pledgee/new")

    # Execute
    fields = {"Contract number": "ZY2024-0101", "Pledgor's securities account": "F0006",
              "Stock code": "600200", "Shares": "3000000", "Financing amount (yuan)": "20000000",
              "Previous close (yuan)": "18.35", "Warning line (%)": "140",
              "Closing line (%)": "160"}  # fmt: skip
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Propose the pledge").click()
    page.wait_for_load_state()

    # Assert: the refusal with the same line the CLI prints; nothing queued for the registrar
    assert expected in page.get_by_test_id("problem").inner_text()
    registrar = sign_in("registrar", lang="en")
    registrar.goto(registrar.base + "/registrar/queue")
    assert "ZY2024-0101" not in registrar.locator("main").inner_text()
    page.context.close()
    registrar.context.close()


def test_a_transactions_inclusion_proof_checks_in_the_page(sign_in: Any) -> None:
    # Prepare: the court's page of the chain, a block with transactions
    page = sign_in("court-01", lang="en")
    page.goto(page.base + "/explorer/block/2")
    page.locator("main table a").first.click()
    page.wait_for_load_state()

    # Execute: the browser folds the Merkle path itself
    page.get_by_role("button", name="Check the inclusion proof here").click()

    # Assert
    result = page.locator("#proof-result")
    result.wait_for(state="visible")
    page.wait_for_function("document.getElementById('proof-result').textContent.length > 0")
    assert result.inner_text() == "Proof checks: the transaction is in block 2"
    page.context.close()


def test_a_court_freezes_and_queues_and_reads_the_holdings_queue(sign_in: Any) -> None:
    # Prepare
    court = sign_in("court-01", lang="en")

    # Execute: an effective freeze, then a queued one, on the court's form
    for quantity, case_no, queued in (
        ("100000000", "(2024)Hu01Min7", False),
        ("50000000", "(2024)Hu01Min8", True),
    ):
        court.get_by_label("Stock code").fill("600200")
        court.get_by_label("Securities account").fill("C600200")
        court.get_by_label("Shares to freeze").fill(quantity)
        court.get_by_label("Case number").fill(case_no)
        court.get_by_label("Queued freeze (waits for free shares)").set_checked(queued)
        court.get_by_role("button", name="Freeze", exact=True).click()
        court.wait_for_load_state()
        assert "Done" in court.get_by_role("status").first.inner_text()

    # Assert: both listed; the holding's queue puts the queued one at position 1
    listed = court.locator("main table").first.inner_text()
    assert "(2024)Hu01Min7" in listed and "(2024)Hu01Min8" in listed
    assert "effective" in listed and "queued" in listed
    court.get_by_role("link", name="C600200").first.click()
    court.wait_for_load_state()
    queued_table = court.locator("main table").nth(1).inner_text()
    assert "(2024)Hu01Min8" in queued_table and "50,000,000" in queued_table

    # a judicial action: the court lifts its queued freeze
    court.goto(court.base + "/court/freezes")
    lift = court.get_by_role("form", name="Lift the freeze")
    queued_id = lift.locator("option", has_text="Hu01Min8").get_attribute("value")
    lift.get_by_label("Freeze").select_option(queued_id)
    lift.get_by_role("button", name="Lift the freeze").click()
    court.wait_for_load_state()
    row = court.locator("main table tbody tr", has_text="(2024)Hu01Min8").inner_text()
    assert "lifted" in row
    court.context.close()


def test_the_regulator_runs_a_stress_with_its_own_parameters(sign_in: Any) -> None:
    # Prepare
    page = sign_in("regulator", lang="en")
    page.goto(page.base + "/regulator/stress")

    # Execute: a 35% fall, a 5-day cascade
    page.get_by_label("Uniform price fall (%)").fill("35")
    page.get_by_label("Cascade days").fill("5")
    page.get_by_role("button", name="Run the stress test").click()
    page.wait_for_load_state()

    # Assert: the chosen scenario among the results, five days of cascade, charts drawn by plotly
    main = page.locator("main")
    assert "uniform -35%" in main.inner_text()
    cascade = page.locator("main table").nth(1)
    assert cascade.locator("tbody tr").count() == 5
    page.locator(".js-plotly-plot").first.wait_for()
    assert page.locator(".js-plotly-plot").count() == 2
    screenshot(page, "regulator-stress")
    # the risk report, the page the CLI writes, at the latest closes
    page.goto(page.base + "/regulator/report")
    assert "Largest exposures" in page.locator("main").inner_text()
    page.context.close()


def test_a_parameter_change_is_proposed_and_carried_by_a_vote(sign_in: Any) -> None:
    # Prepare
    registrar, regulator = sign_in("registrar", lang="en"), sign_in("regulator", lang="en")

    # Execute: the registrar proposes a two-week proposal lifetime; the regulator approves
    registrar.goto(registrar.base + "/governance")
    proposing = registrar.get_by_role("form", name="Propose a parameter change")
    proposing.get_by_label("Parameter").select_option("gov.proposal_ttl_ms")
    proposing.get_by_label("New value").fill("1209600000")
    proposing.get_by_role("button", name="Propose a parameter change").click()
    registrar.wait_for_load_state()
    assert "'status': 'open'" in registrar.get_by_role("status").first.inner_text()
    regulator.goto(regulator.base + "/governance")
    regulator.locator("form[action$='/vote'] button").first.click()
    regulator.wait_for_load_state()

    # Assert: executed, and the parameter reads its new value for every member
    assert "'status': 'executed'" in regulator.get_by_role("status").first.inner_text()
    registrar.goto(registrar.base + "/governance")
    params = registrar.locator("main table").nth(1).inner_text()
    assert re.search(r"gov\.proposal_ttl_ms\s+1209600000", params)
    for page in (registrar, regulator):
        page.context.close()


def test_the_pledgee_releases_part_of_a_pledge_from_the_contract_page(sign_in: Any) -> None:
    # Prepare
    page = sign_in("bank-01", lang="en")
    page.goto(page.base + "/pledgee/contract/ZY2024-0007")
    before = page.locator("main table").first.inner_text()
    assert "28,000,000" in before

    # Execute: a partial release
    release = page.get_by_role("form", name="Release")
    release.get_by_label("Shares").fill("1000000")
    release.get_by_role("button", name="Release").click()
    page.wait_for_load_state()

    # Assert: committed, the registration holds 27,000,000 shares, the history has one more transaction
    assert "register.release" in page.get_by_role("status").first.inner_text()
    assert "27,000,000" in page.locator("main table").first.inner_text()
    assert "register.release" in page.locator("main table").nth(1).inner_text()
    page.context.close()


def test_a_long_operation_shows_its_progress(sign_in: Any) -> None:
    # Prepare
    page = sign_in("regulator", lang="en")
    page.goto(page.base + "/regulator/stress")
    assert page.locator("form[data-long] .progress").is_hidden()

    # Execute: submit the stress run and look at the form as the submission leaves, before any answer
    with page.expect_navigation():
        state = page.evaluate(
            """() => {
                const form = document.querySelector("form[data-long]");
                form.requestSubmit();
                return {shown: !form.querySelector(".progress").hidden,
                        disabled: form.querySelector("button").disabled,
                        busy: form.getAttribute("aria-busy")};
            }"""
        )

    # Assert: the progress bar shows, the button is disabled, the form says it is busy
    assert state == {"shown": True, "disabled": True, "busy": "true"}
    page.context.close()


def test_the_weekly_statistics_download_as_csv(sign_in: Any) -> None:
    page = sign_in("registrar", lang="en")
    page.goto(page.base + "/registrar/weekly")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    header, *rows = text.strip().splitlines()
    assert header.startswith("code,short_name,board,pledges")
    assert any(row.startswith("600200,") for row in rows)
    page.context.close()
