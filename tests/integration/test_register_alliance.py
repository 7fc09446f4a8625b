"""The pledge register through the real embedded alliance: signatures, blocks, every member's peer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pledgenet.contracts.registry import scenario
from pledgenet.contracts.registry.client import RegisterClient
from pledgenet.contracts.registry.queries import sealed_terms
from pledgenet.encoding import canonical
from pledgenet.errors import AccessDenied, IntegrityError, RegistryError, TermsViolation
from pledgenet.ledger.alliance import Alliance


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Alliance, scenario.Book]]:
    alliance = scenario.create(Path(tmp_path_factory.mktemp("register")) / "alliance")
    book = scenario.build_book(alliance)
    yield alliance, book
    alliance.close()


def test_every_peer_holds_the_same_register(built: tuple[Alliance, scenario.Book]) -> None:
    # Prepare
    alliance, _ = built
    # Execute
    views = {org: alliance.peer(org).range("reg/") for org in alliance.orgs}
    # Assert
    first = views[scenario.REGISTRAR]
    assert len(first) > 50
    assert all(view == first for view in views.values())


def test_weekly_statistics_over_the_book(built: tuple[Alliance, scenario.Book]) -> None:
    # Prepare
    alliance, book = built
    # Execute
    stats = RegisterClient(alliance, scenario.REGULATOR).weekly_statistics(
        as_of="2024-12-06", prices=book.prices
    )
    # Assert: 600200 has 20% of its capital pledged, 600100 10.5%
    by_code = {s["code"]: s for s in stats["stocks"]}
    assert by_code["600200"]["pledge_ratio_bp"] == 2000 and by_code["600200"]["pledges"] == 2
    assert by_code["600100"]["pledge_ratio_bp"] == 1050
    assert stats["market"]["companies_with_pledges"] == 4 and stats["market"]["unpriced"] == []


def test_only_entitled_members_read_the_sealed_terms(built: tuple[Alliance, scenario.Book]) -> None:
    # Prepare: ZY2024-0002 pledges F0003 (custody citic-sec) to icbc
    alliance, book = built
    registration_no = book.registrations["ZY2024-0002"]
    record = alliance.peer(scenario.TRUST).get(f"reg/pledge/{registration_no}")
    # Execute
    readers = {
        org: RegisterClient(alliance, org).registration(registration_no)["terms"]
        for org in (scenario.BROKERS[0], scenario.BANKS[0], scenario.REGISTRAR, scenario.REGULATOR)
    }
    # Assert
    assert all(terms["amount_fen"] > 0 for terms in readers.values())
    for outsider in (scenario.TRUST, scenario.BANKS[1], scenario.BROKERS[1], scenario.COURT):
        with pytest.raises(AccessDenied):
            RegisterClient(alliance, outsider).open_terms(sealed_terms(alliance.peer(scenario.TRUST), record))


def test_what_crosses_the_chain_carries_no_term_in_clear(built: tuple[Alliance, scenario.Book]) -> None:
    # Prepare
    alliance, book = built
    registrar = RegisterClient(alliance, scenario.REGISTRAR)
    terms = registrar.registration(book.registrations["HG2024-0001"])["terms"]
    tx_id = alliance.peer(scenario.TRUST).history(f"reg/pledge/{book.registrations['HG2024-0001']}")[0].tx_id
    # Execute: the transaction as any peer stores and serves it
    on_chain = canonical(alliance.peer(scenario.TRUST).tx(tx_id).to_dict()).decode()
    # Assert
    assert str(terms["amount_fen"]) not in on_chain and "closing_line" not in on_chain
    assert "HG2024-0001" in on_chain  # the public elements are public


def test_refused_registration_is_invalid_on_chain_and_changes_nothing(
    built: tuple[Alliance, scenario.Book],
) -> None:
    # Prepare: 600200 already has 20% pledged; another 31% would pass the 50% cap
    alliance, _book = built
    broker = RegisterClient(alliance, scenario.BROKERS[1])
    before = alliance.peer(scenario.REGISTRAR).range("reg/")
    # Execute
    with pytest.raises(RegistryError) as refused:
        broker.pledge(
            contract_no="ZY-OVER",
            account="C600200",
            code="600200",
            quantity=372_000_000,
            pledgee=scenario.TRUST,
            terms=scenario.terms_for(600_000_000, 1_835),
        )
    # Assert
    assert refused.value.code in {"over_pledge", "stock_cap_exceeded"}
    assert alliance.peer(scenario.REGISTRAR).range("reg/") == before


def test_registrar_refuses_terms_that_break_the_pledge_rate(built: tuple[Alliance, scenario.Book]) -> None:
    # Prepare
    alliance, _ = built
    broker = RegisterClient(alliance, scenario.BROKERS[0])
    height = alliance.peer(scenario.REGISTRAR).height
    # Execute: 1,000,000 shares at CNY 6.12 are worth CNY 6.12m; a CNY 5m loan is an 82% pledge rate
    with pytest.raises(TermsViolation) as refused:
        broker.pledge(
            contract_no="ZY-RATE",
            account="F0000",
            code="600100",
            quantity=1_000_000,
            pledgee=scenario.BANKS[1],
            terms=scenario.terms_for(500_000_000, 612),
        )
    # Assert: refused at the registrar's endorsement, nothing was submitted
    assert refused.value.code == "pledge_rate_exceeded"
    assert alliance.peer(scenario.REGISTRAR).height == height


def test_court_freeze_queue_and_release_through_the_alliance(built: tuple[Alliance, scenario.Book]) -> None:
    # Prepare: F0003 holds 150m shares of 600100, 45m pledged to icbc
    alliance, book = built
    court = RegisterClient(alliance, scenario.COURT)
    bank = RegisterClient(alliance, scenario.BANKS[0])
    first = court.freeze(code="600100", account="F0003", quantity=105_000_000, case_no="(2024)Hu74")
    # Execute
    queued = court.freeze(
        code="600100", account="F0003", quantity=40_000_000, case_no="(2024)Hu75", queued=True
    )
    bank.release(registration_no=book.registrations["ZY2024-0002"])
    # Assert
    assert first.result["state"] == "effective" and queued.result["state"] == "queued"
    [holding] = court.holdings(account="F0003", code="600100")
    assert holding["pledged"] == 0 and holding["frozen"] == 145_000_000 and holding["queued_freezes"] == []
    events = [e.name for e in alliance.peer(scenario.REGULATOR).events() if e.name.startswith("registry.")]
    assert "registry.default_trigger" in events and events[-1] == "registry.contract_settled"


def test_sealed_terms_come_from_the_registering_transaction_and_must_match_its_hash(
    built: tuple[Alliance, scenario.Book],
) -> None:
    # Prepare: the registration record keeps the transaction and the envelope's hash, not the envelope
    alliance, book = built
    peer = alliance.peer(scenario.REGULATOR)
    record = peer.get(f"reg/pledge/{book.registrations['ZY2024-0002']}")
    forged = dict(record, terms_hash="00" * 32)
    # Execute
    envelope = sealed_terms(peer, record)
    # Assert
    assert "terms" not in record and envelope["hash"] == record["terms_hash"]
    assert peer.tx(record["terms_tx"]).receipt.tx_type == "registry.pledge"
    with pytest.raises(IntegrityError, match="does not carry the sealed terms"):
        sealed_terms(peer, forged)
