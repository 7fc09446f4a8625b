"""The pledge register through the real embedded alliance: signatures, blocks, every member's peer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pledgenet.demo import demo_book, members
from pledgenet.encoding import canonical
from pledgenet.errors import (
    AccessDenied,
    IntegrityError,
    OverPledge,
    RegisterError,
    TermsViolation,
    UnknownRecord,
)
from pledgenet.ledger.alliance import Alliance
from pledgenet.register.client import RegisterClient
from pledgenet.register.lookups import sealed_terms


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Alliance, demo_book.Book]]:
    alliance = demo_book.create(Path(tmp_path_factory.mktemp("register")) / "alliance")
    book = demo_book.build_book(alliance)
    yield alliance, book
    alliance.close()


def test_every_peer_holds_the_same_register(built: tuple[Alliance, demo_book.Book]) -> None:
    # Prepare
    alliance, _ = built
    # Execute
    views = {org: alliance.peer(org).range("reg/") for org in alliance.orgs}
    # Assert
    first = views[members.REGISTRAR]
    assert len(first) > 50
    assert all(view == first for view in views.values())


def test_weekly_statistics_over_the_book(built: tuple[Alliance, demo_book.Book]) -> None:
    # Prepare
    alliance, book = built
    # Execute
    stats = RegisterClient(alliance, members.REGULATOR).weekly_statistics(
        as_of="2024-12-06", prices=book.prices
    )
    # Assert: 600200 has 20% of its capital pledged, 600100 10.5%
    by_code = {s["code"]: s for s in stats["stocks"]}
    assert by_code["600200"]["pledge_ratio_bp"] == 2000 and by_code["600200"]["pledges"] == 2
    assert by_code["600100"]["pledge_ratio_bp"] == 1050
    assert stats["market"]["companies_with_pledges"] == 4 and stats["market"]["unpriced"] == []


def test_only_entitled_members_read_the_sealed_terms(built: tuple[Alliance, demo_book.Book]) -> None:
    # Prepare: ZY2024-0002 pledges F0003 (custody citic-sec) to icbc
    alliance, book = built
    registration_no = book.registrations["ZY2024-0002"]
    record = alliance.peer(members.TRUST).get(f"reg/pledge/{registration_no}")
    # Execute
    readers = {
        org: RegisterClient(alliance, org).registration(registration_no)["terms"]
        for org in (members.BROKERS[0], members.BANKS[0], members.REGISTRAR, members.REGULATOR)
    }
    # Assert
    assert all(terms["amount_fen"] > 0 for terms in readers.values())
    for outsider in (members.TRUST, members.BANKS[1], members.BROKERS[1], members.COURT):
        with pytest.raises(AccessDenied):
            RegisterClient(alliance, outsider).open_terms(sealed_terms(alliance.peer(members.TRUST), record))


def test_what_crosses_the_chain_carries_no_term_in_clear(built: tuple[Alliance, demo_book.Book]) -> None:
    # Prepare
    alliance, book = built
    registrar = RegisterClient(alliance, members.REGISTRAR)
    terms = registrar.registration(book.registrations["HG2024-0001"])["terms"]
    tx_id = alliance.peer(members.TRUST).history(f"reg/pledge/{book.registrations['HG2024-0001']}")[0].tx_id
    # Execute: the transaction as any peer stores and serves it
    on_chain = canonical(alliance.peer(members.TRUST).tx(tx_id).to_dict()).decode()
    # Assert
    assert str(terms["amount_fen"]) not in on_chain and "closing_line" not in on_chain
    assert "HG2024-0001" in on_chain  # the public elements are public


def test_refused_registration_is_invalid_on_chain_and_changes_nothing(
    built: tuple[Alliance, demo_book.Book],
) -> None:
    # Prepare: 600200 already has 20% pledged; another 31% would pass the 50% cap
    alliance, _book = built
    broker = RegisterClient(alliance, members.BROKERS[1])
    before = alliance.peer(members.REGISTRAR).range("reg/")
    # Execute
    with pytest.raises(RegisterError) as refused:
        broker.pledge(
            contract_no="ZY-OVER",
            account="C600200",
            code="600200",
            quantity=372_000_000,
            pledgee=members.TRUST,
            terms=demo_book.terms_for(600_000_000, 1_835),
        )
    # Assert
    assert refused.value.code in {"over_pledge", "stock_cap_exceeded"}
    assert alliance.peer(members.REGISTRAR).range("reg/") == before


def test_registrar_refuses_terms_that_break_the_pledge_rate(built: tuple[Alliance, demo_book.Book]) -> None:
    # Prepare
    alliance, _ = built
    broker = RegisterClient(alliance, members.BROKERS[0])
    height = alliance.peer(members.REGISTRAR).height
    # Execute: 1,000,000 shares at CNY 6.12 are worth CNY 6.12m; a CNY 5m loan is an 82% pledge rate
    with pytest.raises(TermsViolation) as refused:
        broker.pledge(
            contract_no="ZY-RATE",
            account="F0000",
            code="600100",
            quantity=1_000_000,
            pledgee=members.BANKS[1],
            terms=demo_book.terms_for(500_000_000, 612),
        )
    # Assert: refused at the registrar's endorsement, nothing was submitted
    assert refused.value.code == "pledge_rate_exceeded"
    assert alliance.peer(members.REGISTRAR).height == height


def test_court_freeze_queue_and_release_through_the_alliance(built: tuple[Alliance, demo_book.Book]) -> None:
    # Prepare: F0003 holds 150m shares of 600100, 45m pledged to icbc
    alliance, book = built
    court = RegisterClient(alliance, members.COURT)
    bank = RegisterClient(alliance, members.BANKS[0])
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
    events = [e.name for e in alliance.peer(members.REGULATOR).events() if e.name.startswith("register.")]
    assert "register.default_trigger" in events and events[-1] == "register.contract_settled"


def test_sealed_terms_come_from_the_registering_transaction_and_must_match_its_hash(
    built: tuple[Alliance, demo_book.Book],
) -> None:
    # Prepare: the registration record keeps the transaction and the envelope's hash, not the envelope
    alliance, book = built
    peer = alliance.peer(members.REGULATOR)
    record = peer.get(f"reg/pledge/{book.registrations['ZY2024-0002']}")
    forged = dict(record, terms_hash="00" * 32)
    # Execute
    envelope = sealed_terms(peer, record)
    # Assert
    assert "terms" not in record and envelope["hash"] == record["terms_hash"]
    assert peer.tx(record["terms_tx"]).receipt.tx_type == "register.pledge"
    with pytest.raises(IntegrityError, match="does not carry the sealed terms"):
        sealed_terms(peer, forged)


def test_a_client_call_raises_exactly_the_class_the_contract_raised(
    built: tuple[Alliance, demo_book.Book],
) -> None:
    # Prepare: F0005 holds 20m shares of 688400, 8m of them pledged to broker-01; 15m more are not free
    alliance, _ = built
    broker = RegisterClient(alliance, members.BROKERS[2])
    before = alliance.peer(members.REGISTRAR).range("reg/")
    # Execute: the contract refuses on every peer; the client sees the class, not a broad one
    try:
        broker.pledge(
            contract_no="ZY-FREE",
            account="F0005",
            code="688400",
            quantity=15_000_000,
            pledgee=members.BANKS[1],
            terms=demo_book.terms_for(500_000_000, 5_120),
        )
    except OverPledge as error:
        over_pledge: OverPledge | None = error
    else:
        over_pledge = None
    with pytest.raises(UnknownRecord) as unknown:
        broker.declare_default(contract_no="NO-SUCH-CONTRACT", reason="never registered")
    # Assert
    assert over_pledge is not None and over_pledge.code == "over_pledge"
    assert type(unknown.value) is UnknownRecord and unknown.value.code == "unknown_contract"
    assert alliance.peer(members.REGISTRAR).range("reg/") == before
