"""Attacks on the registrar's review (issue 15, items 1, 2, 4, 5), each through the real alliance.

The registrar's verdict is computed over a context it derives from the transaction and chain state (the
exchange's last close, the governed rules, the contract's state), bound by its hash; the sealed terms'
wraps are verified before it signs; an envelope is bound to its registration; bad quantities are refused,
naming the field, before any arithmetic.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Cli

from pledgenet.contracts import market
from pledgenet.contracts.catalog import open_alliance
from pledgenet.crypto.envelope import envelope_hash
from pledgenet.demo import demo_book, members
from pledgenet.errors import (
    BadRegisterArguments,
    EnvelopeMisbound,
    EnvelopeRecipients,
    TermsViolation,
    VerdictMismatch,
)
from pledgenet.ledger.alliance import Alliance
from pledgenet.register import review
from pledgenet.register.client import RegisterClient

BROKER, BANK = members.BROKERS[0], members.BANKS[1]
CLOSE_FEN = 1_000  # CNY 10.00


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo book, with the exchange's close of 600100 at CNY 10.00 on chain."""
    path = Path(tmp_path_factory.mktemp("attacks")) / "alliance"
    with demo_book.create(path) as alliance:
        demo_book.build_book(alliance)
        day = dt.date(1970, 1, 1) + dt.timedelta(days=market.local_day(alliance.clock()))
        closes = {"trade_date": day.isoformat(), "closes": {"600100": CLOSE_FEN}}
        assert alliance.submit("market.publish_closes", closes, [members.EXCHANGE]).valid
    return path


@pytest.fixture
def alliance(directory: Path) -> Any:
    with open_alliance(directory) as opened:
        yield opened


def _set_param(alliance: Alliance, name: str, value: Any) -> None:
    action = {"kind": "set_param", "name": name, "value": value}
    proposal = alliance.submit("gov.propose", {"action": action}, [members.REGISTRAR])
    vote = alliance.submit("gov.vote", {"proposal": proposal.tx_id, "approve": True}, [members.REGULATOR])
    assert vote.valid and vote.result["status"] == "executed", vote


def test_an_inflated_start_price_does_not_pass_the_pledge_rate_cap(cli: Cli) -> None:
    # Prepare: 1,000,000 shares of 600100 at the CNY 10.00 close are worth CNY 10m; the loan is CNY 50m,
    # five times that, sealed with a start price of CNY 100.00 (a 50% rate on the submitter's own figure)
    words = ["K-ATK-PRICE", "F0006", "600100", "1000000", BANK, "--amount-fen", "5000000000"]
    words += ["--price-fen", "10000"]
    # Execute: refused on the submitter's machine, then (--no-preflight) by the registrar on the chain
    local = cli("pledge register", BROKER, *words)
    recorded = cli("pledge register", BROKER, *words, "--no-preflight")
    # Assert: the rate is computed on the lower of the sealed price and the close
    assert local[0] == 8 and local[2].startswith("error [pledge_rate_exceeded]:")
    assert recorded[0] == 8 and recorded[2].startswith(
        "error [pledge_rate_exceeded]: register.pledge refused"
    )
    [holding] = cli.json("holdings", BANK, "--account", "F0006", "--code", "600100")
    assert holding["pledged"] == 0


def test_governance_switching_off_the_default_repay_exemption_binds_the_registrar(alliance: Alliance) -> None:
    # Prepare: contract HG2024-0001 of C600100 in default; a repo that only repays it, at a 70% pledge rate
    pledgee = RegisterClient(alliance, members.BROKERS[0])
    pledgee.declare_default(contract_no="HG2024-0001", reason="failure_to_repurchase")
    terms = demo_book.terms_for(7_000 * 2_000_000 * CLOSE_FEN // 10_000, CLOSE_FEN)
    repo: dict[str, Any] = {
        "account": "C600100",
        "code": "600100",
        "quantity": 2_000_000,
        "pledgee": members.BROKERS[0],
        "terms": terms,
        "repays_default_of": "HG2024-0001",
    }
    exempt = pledgee.pledge(contract_no="K-ATK-REPAY-1", **repo)
    _set_param(alliance, "register.default_repay_exempt", False)
    # Execute: the same repo once governance has switched the exemption off
    with pytest.raises(TermsViolation) as local:
        pledgee.pledge(contract_no="K-ATK-REPAY-2", **repo)
    with pytest.raises(TermsViolation) as recorded:
        pledgee.pledge(contract_no="K-ATK-REPAY-3", **repo, preflight=False)
    # Assert: exempt while the parameter said so, then held to the 60% cap by the registrar and every peer
    assert exempt.valid
    assert local.value.code == recorded.value.code == "pledge_rate_exceeded"
    assert "refused the sealed terms" in recorded.value.message
    _set_param(alliance, "register.default_repay_exempt", True)


def test_a_verdict_is_not_reused_on_a_transaction_with_another_quantity(alliance: Alliance) -> None:
    # Prepare: an "ok" for 10,000,000 shares (CNY 100m at the close) against CNY 50m, a 50% rate
    broker = RegisterClient(alliance, BROKER)
    tx_type, args, signers = broker.pledge_tx(
        contract_no="K-ATK-REUSE",
        account="F0006",
        code="600100",
        quantity=10_000_000,
        pledgee=BANK,
        terms=demo_book.terms_for(5_000_000_000, CLOSE_FEN),
    )
    assert args["terms_verdict"]["verdict"] == "ok"
    # Execute: the same terms and verdict on 1,000,000 shares (a 500% rate)
    with pytest.raises(VerdictMismatch) as refused:
        broker.submit_prepared((tx_type, {**args, "quantity": 1_000_000}, signers))
    # Assert
    assert "another context" in refused.value.message
    assert alliance.peer(BANK).get("reg/contract/K-ATK-REUSE") is None


def _prepared_with_wraps(broker: RegisterClient, contract_no: str, garbage_for: str) -> dict[str, Any]:
    """Public arguments of a sound pledge whose terms carry random bytes as ``garbage_for``'s wrap."""
    args: dict[str, Any] = {
        "contract_no": contract_no,
        "account": "F0006",
        "code": "600100",
        "quantity": 10_000_000,
        "pledgee": BANK,
        "pledgee_name": "Bank 02",
        "pledgee_id_number": "USCC-bank-02",
    }
    context = review.derive_context(broker.peer, "pledge", args, broker.alliance.clock())
    terms = demo_book.terms_for(5_000_000_000, CLOSE_FEN)
    envelope = broker.seal_for([BROKER, BANK], terms, "pledge_terms", binding=context["binding"])
    envelope["recipients"][garbage_for] = "00" * 40
    envelope["hash"] = envelope_hash(envelope)
    return {**args, "terms": envelope}


def test_terms_wrapped_as_garbage_for_the_regulator_get_no_ok(alliance: Alliance) -> None:
    # Prepare: every recipient is listed, but the regulator's wrap is random bytes
    broker = RegisterClient(alliance, BROKER)
    args = _prepared_with_wraps(broker, "K-ATK-WRAP", members.REGULATOR)
    # Execute: the registrar recomputes every wrap from the on-chain keys before it signs
    verdict = review.registrar_verdict(alliance, members.REGISTRAR, "pledge", args)
    with pytest.raises(EnvelopeRecipients) as refused:
        broker.submit(
            "register.pledge", {**args, "terms_verdict": verdict}, [BROKER, BANK, members.REGISTRAR]
        )
    # Assert: recorded invalid with the registrar's reason; nothing registered
    assert verdict["verdict"] == "terms_unreadable"
    assert refused.value.code == "terms_unreadable"
    assert alliance.peer(members.REGULATOR).get("reg/contract/K-ATK-WRAP") is None


def test_an_envelope_re_attached_to_another_registration_is_refused(alliance: Alliance) -> None:
    # Prepare: a sound pledge under K-ATK-BIND-1, reviewed "ok" (its terms bound to K-ATK-BIND-1/0)
    broker = RegisterClient(alliance, BROKER)
    tx_type, args, signers = broker.pledge_tx(
        contract_no="K-ATK-BIND-1",
        account="F0006",
        code="600100",
        quantity=10_000_000,
        pledgee=BANK,
        terms=demo_book.terms_for(5_000_000_000, CLOSE_FEN),
    )
    moved = {**args, "contract_no": "K-ATK-BIND-2"}
    # Execute: the envelope and its verdict carried over to another contract, to every peer and to the
    # registrar for a fresh verdict
    with pytest.raises(EnvelopeMisbound) as on_chain:
        broker.submit_prepared((tx_type, moved, signers))
    with pytest.raises(EnvelopeMisbound):
        review.registrar_verdict(alliance, members.REGISTRAR, "pledge", moved)
    registered = broker.submit_prepared((tx_type, args, signers))
    # and once registered, the same envelope as a top-up of that contract (its second registration)
    top_up = {"contract_no": "K-ATK-BIND-1", "quantity": 10_000_000, "share_class": "unrestricted"}
    top_up |= {"terms": args["terms"], "terms_verdict": args["terms_verdict"]}
    with pytest.raises(EnvelopeMisbound) as again:
        broker.submit("register.top_up", top_up, [BROKER, BANK, members.REGISTRAR])
    # Assert
    assert on_chain.value.code == again.value.code == "envelope_binding"
    assert registered.valid
    assert alliance.peer(BANK).get("reg/contract/K-ATK-BIND-2") is None
    assert len(alliance.peer(BANK).get("reg/contract/K-ATK-BIND-1")["registrations"]) == 1


@pytest.mark.parametrize("quantity", ["0", "-5"])
def test_a_quantity_that_is_not_positive_is_a_bad_argument_naming_it(cli: Cli, quantity: str) -> None:
    # Prepare: options first, then ``--`` so that -5 reads as the quantity
    options = ["--dir", str(cli.directory), "--as", BROKER, "--amount-fen", "500000000", "--price-fen", "612"]
    words = ["--", "K-ATK-QTY", "F0006", "600100", quantity, BANK]
    # Execute: with and without the submitter's own check
    local = cli.raw("pledge", "register", *options, *words)
    unchecked = cli.raw("pledge", "register", *options, "--no-preflight", *words)
    # Assert: a clear error, no traceback, no pledge-rate arithmetic
    for code, _out, err in (local, unchecked):
        assert code != 0 and err.startswith("error [bad_arguments]:"), err
        assert "'quantity'" in err and "Traceback" not in err and "rate" not in err


def test_the_client_refuses_bad_quantities_before_anything_is_signed(alliance: Alliance) -> None:
    # Prepare
    broker = RegisterClient(alliance, BROKER)
    height = alliance.peer(members.REGISTRAR).height
    terms = demo_book.terms_for(500_000_000, 612)
    # Execute / Assert: initial pledge and top-up, checked or not, each naming the field
    for quantity in (0, -5, True):
        with pytest.raises(BadRegisterArguments, match="'quantity'"):
            broker.pledge(
                contract_no="K-ATK-Q", account="F0006", code="600100", quantity=quantity, pledgee=BANK,
                terms=terms, preflight=False,
            )  # fmt: skip
        with pytest.raises(BadRegisterArguments, match="'quantity'"):
            broker.top_up(contract_no="HG2024-0001", quantity=quantity, terms=terms)
    assert alliance.peer(members.REGISTRAR).height == height
