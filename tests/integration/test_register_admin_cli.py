"""The register's book and lookups on the command line (``pledgenet security|account ...``, ``pledgenet
pledge list|contract|events``, ``pledgenet freeze queue``) against a small alliance.

Commands run in process through ``pledgenet.cli.run.run``, the entry point of the ``pledgenet`` script, so
the exit codes and error lines are the ones a user sees. Each test works on its own stock or accounts of
the shared book, so the tests do not depend on their order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Cli

from pledgenet.demo import demo_book, members
from pledgenet.register.member_views import SEALED


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("admin-cli")) / "alliance"
    with demo_book.create(path) as alliance:
        demo_book.build_book(alliance)
    return path


def _holding(cli: Cli, code: str, account: str) -> dict[str, Any]:
    [row] = cli.json("holdings", members.REGISTRAR, "--code", code, "--account", account)
    return dict(row)


def _pledge(
    cli: Cli, broker: str, contract_no: str, account: str, code: str, quantity: int, pledgee: str, *extra: str
) -> str:
    """Register a pledge through ``pledge register`` (CNY 5m at CNY 27.40, a low pledge rate)."""
    receipt = cli.json(
        "pledge register", broker, contract_no, account, code, str(quantity), pledgee,
        "--amount-fen", "500000000", "--price-fen", "2740", *extra,
    )  # fmt: skip
    return str(receipt["result"]["registration_no"])


def test_the_registrar_lists_a_security_in_new_accounts_and_shares_move_and_split(cli: Cli) -> None:
    # Prepare: the registrar opens an institution's account, broker-03 one of its own customers
    opened = cli.json(
        "account open", members.REGISTRAR, "N500-CTL", "--holder-name", "Nanhu Group",
        "--holder-type", "institution", "--custody-broker", "broker-02", "--controls", "600500",
        "--id-type", "uscc", "--id-number", "91330000MA2B500",
    )  # fmt: skip
    own = cli.json(
        "account open",
        "broker-03",
        "N500-INV",
        "--holder-name",
        "Investor N",
        "--custody-broker",
        "broker-03",
    )
    # Execute: list 1bn shares (100m restricted), move 5m between brokers' accounts, bonus 3 per 10, split 2:1
    listed = cli.json(
        "security register", members.REGISTRAR, "600500", "--short-name", "NANHU IND", "--board", "main",
        "--industry", "machinery", "--holding", "N500-CTL=300000000,100000000",
        "--holding", "N500-INV=600000000",
    )  # fmt: skip
    moved = cli.json("security transfer", "broker-03", "600500", "N500-INV", "N500-CTL", "5000000")
    [security] = cli.json("security show", members.EXCHANGE, "600500")
    bonus = cli.json("security bonus", members.REGISTRAR, "600500", "3")
    split = cli.json("security split", members.REGISTRAR, "600500", "2", "1")
    [after] = cli.json("security show", members.EXCHANGE, "600500")
    controller = _holding(cli, "600500", "N500-CTL")
    # Assert
    assert opened["result"] == {"opened": 1} and own["result"] == {"opened": 1}
    assert listed["result"] == {"code": "600500", "holdings": 2}
    assert [e["name"] for e in moved["events"]] == ["register.transferred"]
    assert security["total_shares"] == 1_000_000_000 and security["restricted_shares"] == 100_000_000
    assert security["board"] == "main" and security["industry"] == "machinery"
    assert (
        bonus["result"]["total_shares"] == 1_300_000_000 and split["result"]["total_shares"] == 2_600_000_000
    )
    assert after["total_shares"] == 2_600_000_000 and after["restricted_shares"] == 260_000_000
    assert controller["total"] == (400_000_000 + 5_000_000) * 13 // 10 * 2
    assert controller["restricted"] == 260_000_000


def test_a_bonus_issue_through_the_command_line_carries_the_pledge_with_it(cli: Cli) -> None:
    # Prepare: F0010 (custody broker-02) pledges 10m shares of 688400 to bank-02
    registration_no = _pledge(cli, "broker-02", "K-ADM-BONUS", "F0010", "688400", 10_000_000, "bank-02")
    before = _holding(cli, "688400", "F0010")
    # Execute: 2 bonus shares per 10
    cli.json("security bonus", members.REGISTRAR, "688400", "2")
    [pledge] = [p for p in cli.json("pledge list", "bank-02", "--account", "F0010") if p["code"] == "688400"]
    after = _holding(cli, "688400", "F0010")
    # Assert: the pledge and the holding grew by a fifth together
    assert pledge["registration_no"] == registration_no and pledge["quantity"] == 12_000_000
    assert after["pledged"] == 12_000_000 and after["total"] == before["total"] * 12 // 10


def test_identity_data_is_sealed_on_the_chain_and_opened_only_for_entitled_members(cli: Cli) -> None:
    # Prepare
    id_number = "310101199001015678"
    receipt = cli.json(
        "account open", members.REGISTRAR, "N-PRIV", "--holder-name", "Wang Fang", "--custody-broker",
        "broker-01", "--id-type", "resident_id", "--id-number", id_number,
    )  # fmt: skip
    # Execute: the custody broker and the regulator read it; a bank and the court do not; the raw chain
    broker = cli.json("account show", "broker-01", "N-PRIV")
    regulator = cli.json("account show", members.REGULATOR, "N-PRIV")
    bank = cli("account show", "bank-01", "N-PRIV", "--json")
    court = cli("account show", members.COURT, "N-PRIV")
    code, tx, _ = cli.raw("tx", "--dir", str(cli.directory), receipt["tx_id"], "--json")
    state = cli.raw("state", "--dir", str(cli.directory), "reg/acct/N-PRIV", "--json")
    # Assert: entitled members see the identity; the others and the chain itself never see the number
    assert broker["identity"] == {"id_type": "resident_id", "id_number": id_number}
    assert regulator["identity"]["id_number"] == id_number
    assert broker["identity_readers"] == ["broker-01", "registrar", "regulator"]
    assert bank[0] == 0 and json.loads(bank[1])["identity"] == SEALED and id_number not in bank[1]
    assert json.loads(bank[1])["holder_name"] == "Wang Fang"
    assert court[0] == 0 and "sealed (not entitled)" in court[1] and id_number not in court[1]
    assert code == 0 and "N-PRIV" in tx and id_number not in tx
    assert state[0] == 0 and "N-PRIV" in state[1] and id_number not in state[1]


def test_accounts_open_from_a_file_with_identity_sealed_by_the_client(cli: Cli, tmp_path: Path) -> None:
    # Prepare: two accounts in the client's form, one with identity data in clear
    accounts = [
        {"account": "N-FILE-1", "holder_name": "Zhao Lei", "holder_type": "0", "custody_broker": "broker-02",
         "identity": {"id_type": "resident_id", "id_number": "440301198505052222"}},
        {"account": "N-FILE-2", "holder_name": "Qiantang Fund", "holder_type": "1",
         "custody_broker": "broker-03", "financial_institution": True},
    ]  # fmt: skip
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps(accounts))
    # Execute
    receipt = cli.json("account open", members.REGISTRAR, "--file", str(path))
    first = cli.json("account show", "broker-02", "N-FILE-1")
    second = cli.json("account show", "broker-02", "N-FILE-2")
    code, tx, _ = cli.raw("tx", "--dir", str(cli.directory), receipt["tx_id"], "--json")
    # Assert
    assert receipt["result"] == {"opened": 2}
    assert first["identity"]["id_number"] == "440301198505052222" and first["holder_type"] == "0"
    assert second["financial_institution"] is True and second["identity"] is None
    assert code == 0 and "440301198505052222" not in tx


def test_pledges_of_a_stock_and_an_account_open_sealed_terms_only_for_entitled_members(cli: Cli) -> None:
    # Prepare: on 600100 the scenario registered HG2024-0001 (C600100 to broker-01) and ZY2024-0002 (F0003
    # to bank-01)
    # Execute
    by_bank = {p["contract_no"]: p for p in cli.json("pledge list", "bank-01", "--code", "600100")}
    by_regulator = {
        p["contract_no"]: p for p in cli.json("pledge list", members.REGULATOR, "--code", "600100")
    }
    court_code, court_out, _ = cli("pledge list", members.COURT, "--account", "F0003", "--json")
    contract = cli.json("pledge contract", members.COURT, "ZY2024-0002")
    # Assert: public elements for everyone; terms for the pledgee and the regulator only
    assert {"HG2024-0001", "ZY2024-0002"} <= set(by_bank)
    assert by_bank["ZY2024-0002"]["terms"]["amount_fen"] > 0
    assert by_bank["HG2024-0001"]["terms"] == SEALED
    assert by_bank["HG2024-0001"]["pledgee"]["org"] == "broker-01" and by_bank["HG2024-0001"]["quantity"] > 0
    assert all(isinstance(p["terms"], dict) for p in by_regulator.values())
    [court_view] = json.loads(court_out)
    amount = str(by_bank["ZY2024-0002"]["terms"]["amount_fen"])
    assert court_code == 0 and court_view["terms"] == SEALED and amount not in court_out
    assert court_view["pledgor"] == {"name": "Investor 3", "account": "F0003"}
    assert contract["pledgee"]["org"] == "bank-01" and contract["state"] == "0"


def test_released_pledges_are_listed_only_with_all(cli: Cli) -> None:
    # Prepare: F0009 (broker-01) pledges 300300 to bank-01 twice, then the first is released
    first = _pledge(cli, "broker-01", "K-ADM-REL-1", "F0009", "300300", 2_000_000, "bank-01")
    second = _pledge(cli, "broker-01", "K-ADM-REL-2", "F0009", "300300", 3_000_000, "bank-01")
    cli.json("pledge release", "bank-01", first)
    # Execute
    active = cli.json("pledge list", "broker-01", "--account", "F0009")
    every = cli.json("pledge list", "broker-01", "--account", "F0009", "--all")
    # Assert
    assert [p["registration_no"] for p in active] == [second]
    assert {p["registration_no"]: p["state"] for p in every} == {first: "released", second: "active"}


def test_the_freeze_queue_of_a_holding_shows_the_order_freezes_take_effect(cli: Cli) -> None:
    # Prepare: court-01 freezes every free share of F0008 in 300300, then queues two more freezes
    free = _holding(cli, "300300", "F0008")["free"]
    first = cli.json("freeze apply", members.COURT, "300300", "F0008", str(free), "(2024)Hu-Q-1")
    second = cli.json("freeze apply", members.COURT, "300300", "F0008", "1000000", "(2024)Hu-Q-2", "--queued")
    third = cli.json("freeze apply", members.COURT, "300300", "F0008", "2000000", "(2024)Hu-Q-3", "--queued")
    # Execute: read the queue, lift the first freeze, read it again
    queue = cli.json("freeze queue", members.REGISTRAR, "300300", "F0008")
    cli.json("freeze lift", members.COURT, first["result"]["freeze_id"])
    moved = cli.json("freeze queue", "bank-01", "300300", "F0008")
    # Assert
    assert [f["freeze_id"] for f in queue["effective"]] == [first["result"]["freeze_id"]]
    assert [(f["position"], f["case_no"]) for f in queue["queued"]] == [
        (1, "(2024)Hu-Q-2"),
        (2, "(2024)Hu-Q-3"),
    ]
    assert queue["free"] == 0 and queue["frozen"] == free
    assert queue["free_by_class"] == {"unrestricted": 0, "restricted": 0}
    expected = [second["result"]["freeze_id"], third["result"]["freeze_id"]]
    assert [f["freeze_id"] for f in moved["effective"]] == expected
    assert moved["queued"] == [] and moved["frozen"] == 3_000_000


def test_events_from_a_height_with_filters(cli: Cli) -> None:
    # Prepare: C300300 (broker-03) holds 320m shares (200m restricted), 120m pledged (37.5%); pledging 45m
    # restricted shares crosses 50% of its own holding
    opened = cli.json(
        "account open", members.REGISTRAR, "N-EVT", "--holder-name", "E", "--custody-broker", "broker-03"
    )
    start = int(opened["height"]) + 1
    registration_no = _pledge(
        cli,
        "broker-03",
        "K-ADM-EVT",
        "C300300",
        "300300",
        45_000_000,
        "bank-01",
        "--share-class",
        "restricted",
    )
    cli.json("security transfer", "broker-01", "300300", "F0006", "N-EVT", "1000")
    # Execute
    every = cli.json("pledge events", members.BANKS[1], "--since", str(start))
    duties = cli.json("pledge events", members.REGULATOR, "--since", str(start), "--name", "disclosure_due")
    of_account = cli.json("pledge events", members.REGULATOR, "--since", str(start), "--account", "N-EVT")
    later = cli.json("pledge events", members.REGULATOR, "--since", str(every[-1]["height"] + 1))
    # Assert
    assert [e["name"] for e in every] == [
        "register.pledge_registered",
        "register.disclosure_due",
        "register.transferred",
    ]
    assert every[0]["payload"]["registration_no"] == registration_no and every[0]["height"] >= start
    [duty] = duties
    assert duty["payload"]["account"] == "C300300" and duty["payload"]["threshold_bp"] == 5000
    assert duty["payload"]["direction"] == "up"
    assert [e["payload"]["to_account"] for e in of_account] == ["N-EVT"]
    assert later == []


def test_refusals_say_why_with_the_exit_code_and_change_nothing(cli: Cli) -> None:
    # Prepare
    before = _holding(cli, "600200", "F0001")
    # Execute
    wrong_broker = cli(
        "security transfer", "broker-01", "600200", "F0001", "F0000", "1000"
    )  # F0001: broker-02
    too_many = cli("security transfer", "broker-02", "600200", "F0001", "F0000", str(before["total"] + 1))
    not_registrar = cli("security bonus", "bank-01", "600200", "5")
    other_customer = cli(
        "account open", "broker-01", "N-BAD", "--holder-name", "X", "--custody-broker", "broker-02"
    )
    bad_board = cli("security register", members.REGISTRAR, "600900", "--short-name", "X", "--board", "nyse",
                    "--holding", "F0000=1000")  # fmt: skip
    bad_event = cli("pledge events", members.REGULATOR, "--name", "pledge_stolen")
    unlisted = cli("security show", members.REGULATOR, "600900")
    no_account = cli("account open", members.REGISTRAR, "--holder-name", "X", "--custody-broker", "broker-01")
    after = _holding(cli, "600200", "F0001")
    # Assert: contract refusals exit 8, ledger refusals 9, each with its reason code first
    assert (
        wrong_broker[0] == 8
        and wrong_broker[2].startswith("error [not_a_party]:")
        and "broker-02" in wrong_broker[2]
    )
    assert too_many[0] == 8 and too_many[2].startswith("error [insufficient_free_shares]:")
    assert not_registrar[0] == 9 and not_registrar[2].startswith("error [role_denied]:")
    assert other_customer[0] == 8 and other_customer[2].startswith("error [not_a_party]:")
    assert bad_board[0] == 8 and bad_board[2].startswith("error [bad_arguments]: --board must be one of")
    assert bad_event[0] == 8 and bad_event[2].startswith("error [bad_arguments]:")
    assert unlisted[0] == 8 and unlisted[2].startswith("error [unknown_security]:")
    assert no_account[0] == 8 and no_account[2].startswith("error [bad_arguments]: give either ACCOUNT")
    assert after == before
    assert cli("account show", members.REGISTRAR, "N-BAD")[2].startswith("error [unknown_account]:")
