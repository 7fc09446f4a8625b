"""Demo steps of risk supervision: a small book on the register, closes on chain, a price shock, the
alerts and who gets them, the penetrating views, stress, a cascade and the reports.

Each step takes the demo's run object (``pledgenet.sim.demo.DemoRun``: ``ledger``, ``console``,
``directory``, ``notes``) and uses the members the demo founds: registrar, broker-a, bank-b, trust-c,
regulator, exchange. The book is its own (codes 600977, 300977, 688977; accounts RISK-*), so it does not
depend on what other demo steps registered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.table import Table

from pledgenet.contracts.market import local_day
from pledgenet.contracts.registry.client import RegisterClient
from pledgenet.contracts.registry.terms import make_terms

REGISTRAR, REGULATOR, EXCHANGE, BROKER, BANK, TRUST = (
    "registrar",
    "regulator",
    "exchange",
    "broker-a",
    "bank-b",
    "trust-c",
)
#: code, short name, board, industry, total shares, close (fen)
STOCKS = [
    ("600977", "RIVERSTEEL", "main", "steel", 2_000_000_000, 820),
    ("300977", "BLUEWAVE MEDIA", "chinext", "media", 600_000_000, 2_150),
    ("688977", "STARLIGHT CHIPS", "star", "electronics", 300_000_000, 6_400),
]
#: contract, stock, account, pledgee, shares, pledge rate (bp), lines
PLEDGES = [
    ("RISK-HG-1", "600977", "RISK-C600977", BROKER, 300_000_000, 5_500, (16_000, 14_000)),
    ("RISK-ZY-2", "600977", "RISK-C600977", BANK, 150_000_000, 4_000, (15_000, 13_000)),
    ("RISK-HG-3", "300977", "RISK-C300977", BROKER, 90_000_000, 5_000, (16_000, 14_000)),
    ("RISK-ZY-4", "300977", "RISK-C300977", TRUST, 40_000_000, 3_500, (15_000, 13_000)),
    ("RISK-ZY-5", "688977", "RISK-C688977", BANK, 30_000_000, 4_500, (17_000, 15_000)),
    ("RISK-HG-6", "688977", "RISK-F0001", BROKER, 6_000_000, 6_000, (16_000, 14_000)),
]


def _date(day: int) -> str:
    return str(np.datetime64(day, "D"))


def prices_on_chain(run: Any) -> None:
    """List three stocks, register six pledges, and have the exchange publish yesterday's closes."""
    registrar = RegisterClient(run.ledger, REGISTRAR)
    accounts: list[Any] = [
        {
            "account": f"RISK-C{code}",
            "holder_name": f"{name.title()} Holdings",
            "holder_type": "1",
            "custody_broker": BROKER,
            "controlling_shareholder_of": [code],
        }
        for code, name, *_ in STOCKS
    ] + [
        {
            "account": "RISK-F0001",
            "holder_name": "Float investors",
            "holder_type": "0",
            "custody_broker": BROKER,
        }
    ]
    registrar.open_accounts(accounts)
    for code, name, board, industry, total, _close in STOCKS:
        controller = total * 45 // 100
        registrar.list_security(
            code=code,
            short_name=name,
            board=board,
            industry=industry,
            total_shares=total,
            restricted_shares=0,
            holdings=[
                {"account": f"RISK-C{code}", "unrestricted": controller},
                {"account": "RISK-F0001", "unrestricted": total - controller},
            ],
        )
    closes = {code: close for code, *_, close in STOCKS}
    for contract_no, code, account, pledgee, shares, rate_bp, lines in PLEDGES:
        amount = shares * closes[code] * rate_bp // 10_000
        terms = make_terms(
            business_type="financing_initial",
            amount_fen=amount,
            annual_rate_bp=650,
            term_days=730,
            use_of_funds="01",
            warning_line_bp=lines[0],
            closing_line_bp=lines[1],
            start_price_fen=closes[code],
        )
        RegisterClient(run.ledger, BROKER).pledge(
            contract_no=contract_no, account=account, code=code, quantity=shares, pledgee=pledgee, terms=terms
        )
    today = local_day(run.ledger.clock())
    receipt = run.ledger.submit(
        "market.publish_closes", {"trade_date": _date(today - 1), "closes": closes}, [EXCHANGE]
    )
    run.notes["risk_days"] = (today - 1, today)
    run.console.print(
        f"{len(PLEDGES)} pledges registered on {len(STOCKS)} stocks; the exchange signed the closes of "
        f"{_date(today - 1)} (published late, so marked late on chain: {receipt.result['late']})"
    )


def price_shock(run: Any) -> None:
    """Today's closes fall (STAR -30%, ChiNext -25%, main -8%): alerts, views, stress, cascade, reports."""
    from pledgenet.risk.alerts import detect_alerts, route_alerts
    from pledgenet.risk.cascade import CascadeParams, run_cascade
    from pledgenet.risk.reports import write_risk_report, write_weekly_report
    from pledgenet.risk.source import load_book
    from pledgenet.risk.stress import run_stress, standard_scenarios
    from pledgenet.risk.valuation import value_book
    from pledgenet.risk.views import by_pledgee

    yesterday, today = run.notes["risk_days"]
    falls = {"600977": 0.92, "300977": 0.75, "688977": 0.70}
    closes = {code: round(close * falls[code]) for code, *_, close in STOCKS}
    run.ledger.submit("market.publish_closes", {"trade_date": _date(today), "closes": closes}, [EXCHANGE])
    key = run.ledger.member(REGULATOR).encryption_private_key
    # the exchange publishes only this book's stocks here: any other listed stock has no close, so its
    # contracts are left out and named, never valued at a guessed price
    before = load_book(run.ledger.peer(REGULATOR), REGULATOR, key, _date(yesterday), allow_missing=True)
    after = load_book(run.ledger.peer(REGULATOR), REGULATOR, key, _date(today), allow_missing=True)
    if after.missing_prices:
        run.console.print(
            f"no close published for {', '.join(after.missing_prices)}: their contracts are left out"
        )
    mine = [row for row, code in enumerate(after.book.contract_ids) if str(code).startswith("RISK-")]
    book, market = after.book.subset(np.asarray(mine, dtype=np.int64)), after.market
    old = value_book(book, before.market.price_fen, after.as_of_day)
    new = value_book(book, market.price_fen, after.as_of_day)
    alerts = detect_alerts(book, market, old, new, registrar=REGISTRAR, regulator=REGULATOR)
    table = Table(title="alerts (each delivered only to the parties of the contract)")
    for column in ("contract", "stock", "ratio", "status", "recipients"):
        table.add_column(column)
    for alert in alerts:
        table.add_row(
            alert.contract_id,
            alert.stock_code,
            f"{alert.ratio_before:.0%} -> {alert.ratio_after:.0%}",
            f"{alert.from_status} -> {alert.to_status}",
            ", ".join(alert.recipients),
        )
    run.console.print(table)
    inbox = route_alerts(alerts)
    run.console.print(
        f"inboxes: {', '.join(f'{org} {len(items)}' for org, items in sorted(inbox.items()))}; "
        f"court-d and exchange receive none"
    )
    broker_key = run.ledger.member(BROKER).encryption_private_key
    broker_view = load_book(
        run.ledger.peer(BANK),
        BANK,
        run.ledger.member(BANK).encryption_private_key,
        _date(today),
        allow_missing=True,
    )
    broker_own = load_book(run.ledger.peer(BROKER), BROKER, broker_key, _date(today), allow_missing=True)
    run.console.print(
        f"the regulator reads all {after.book.size} priced contracts; bank-b reads {broker_view.book.size} "
        f"(it is not entitled to {broker_view.not_entitled}); broker-a's key opens its own: "
        f"{broker_own.book.size}"
    )
    pledgees = by_pledgee(book, market, new)[
        ["org", "contracts", "exposure_fen", "share_warning", "share_triggered"]
    ]
    run.console.print(pledgees.to_string(index=False))
    stress = run_stress(book, market, standard_scenarios(market), after.as_of_day)
    run.console.print(stress[["scenario", "warning", "triggered", "uncovered_fen"]].to_string(index=False))
    cascade = run_cascade(book, market, after.as_of_day, params=CascadeParams(days=10)).summary()
    run.console.print(
        f"10-day fire-sale cascade from today's closes: triggered per day {cascade['triggered_per_day']}"
    )
    folder = run.directory / "reports"
    paths = write_weekly_report(book, market, folder, _date(today))
    paths["risk"] = write_risk_report(book, market, new, folder, _date(today), stress)["html"]
    run.console.print(f"reports: {', '.join(str(path) for path in paths.values())}")
