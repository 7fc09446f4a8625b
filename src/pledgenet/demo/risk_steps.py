"""Demo steps of risk supervision over THE demo book: the register demo's pledges plus a few more.

Each step takes the demo's run object (``pledgenet.demo.runner.DemoRun``: ``ledger``, ``console``, ``clock``,
``directory``, ``notes``). Members are found by their roles (registrar, regulator, exchange, brokers,
banks, trusts), never by id. The story runs over the simulated trading week of 2024-12-02:

- Monday: one more stock is listed and four more pledges are registered through the register contract
  (higher pledge rates, a restricted-share pledge); the exchange signs the closes of every listed stock
  each day at 15:30.
- Tuesday: the exchange announces a 10-for-10 transfer of reserves into shares for the ChiNext stock,
  ex-date Wednesday; on Wednesday morning the registrar applies it to the register (every holding and
  pledge doubles). Wednesday's closes are published on Thursday morning: the chain marks them late.
- Thursday and Friday: a price shock (STAR at limit-down twice, ChiNext -15% then -12%); on Friday the
  steel stock is suspended, so its contracts are left out and named, never valued at an old price.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pledgenet.contracts.governance import members_with_role
from pledgenet.contracts.register import keys
from pledgenet.contracts.register.terms import make_terms
from pledgenet.demo import register_steps
from pledgenet.register.client import RegisterClient
from pledgenet.risk.chain import overseers
from pledgenet.risk.display import cny, table
from pledgenet.risk.source import LoadedBook, load_book
from pledgenet.risk.valuation import value_book

WEEK = ("2024-12-02", "2024-12-03", "2024-12-04", "2024-12-05", "2024-12-06")
EXTRA_STOCK = ("601901", "HUADONG STEEL", "main", "steel", 2_000_000_000, 0, 512)
#: a 10-for-10 transfer of reserves into shares of the ChiNext stock, ex-date Wednesday
BONUS_CODE, BONUS_PER_10, BONUS_EX_DATE = "300901", 10, WEEK[2]
#: the steel stock is suspended on Friday
SUSPENDED_CODE, SUSPENDED_DAY = "601901", WEEK[4]
#: daily returns by code, Monday to Friday (the ChiNext stock's Wednesday return is after the bonus issue)
RETURNS = {
    "603901": (0.005, -0.010, 0.003, -0.05, -0.04),
    "300901": (0.010, -0.005, -0.02, -0.15, -0.12),
    "688901": (0.000, 0.010, -0.02, -0.20, -0.20),
    "601901": (0.002, -0.004, 0.001, -0.08, 0.0),
}


def _roles(run: Any) -> dict[str, list[str]]:
    peer = run.ledger.producer_peer
    return {role: members_with_role(peer, role) for role in ("broker", "bank", "trust", "court")}


def _terms(quantity: int, price: int, rate_bp: int, lines: tuple[int, int]) -> dict[str, Any]:
    return make_terms(
        amount_fen=quantity * price * rate_bp // 10_000,
        warning_line_bp=lines[0],
        closing_line_bp=lines[1],
        start_price_fen=price,
    )


def _publish(run: Any, trade_date: str, closes: dict[str, int], suspended: list[str], at: str) -> bool:
    """The exchange signs ``trade_date``'s closes at ``at`` ("YYYY-MM-DD HH:MM"); whether marked late."""
    run.clock.at(*at.split())
    exchange = overseers(run.ledger.producer_peer).exchanges[0]
    args = {"trade_date": trade_date, "closes": closes, "suspended": suspended}
    receipt = run.ledger.submit("market.publish_closes", args, [exchange])
    return bool(receipt.result["late"])


def _closes(run: Any, t: int) -> tuple[dict[str, int], list[str]]:
    """Day ``t``'s closes from the previous ones and the day's returns (a bonus issue halves the price)."""
    previous: dict[str, int] = run.notes["risk"]["last_close"]
    closes, suspended = {}, []
    for code, returns in RETURNS.items():
        if code == SUSPENDED_CODE and WEEK[t] == SUSPENDED_DAY:
            suspended.append(code)
            continue
        base = float(previous[code])
        if (code, WEEK[t]) == (BONUS_CODE, BONUS_EX_DATE):
            base = base * 10 / (10 + BONUS_PER_10)
        closes[code] = round(base * (1 + returns[t]))
    previous.update(closes)
    return closes, suspended


def _load(run: Any, org: str, day: str) -> LoadedBook:
    key = run.ledger.member(org).encryption_private_key
    return load_book(run.ledger.peer(org), org, key, day, allow_missing=True)


def prices_on_chain(run: Any) -> None:
    """List a fourth stock, register four more pledges, publish Monday-Wednesday, apply a bonus issue."""
    roles = _roles(run)
    registrar = RegisterClient(run.ledger, overseers(run.ledger.producer_peer).registrars[0])
    code, name, board, industry, total, _restricted, _price = EXTRA_STOCK
    registrar.open_accounts(
        [{"account": f"D{code}", "holder_name": f"{name.title()} Group", "holder_type": "1",
          "custody_broker": roles["broker"][1], "controlling_shareholder_of": [code]}]
    )  # fmt: skip
    floating = total * 55 // 100 // 6
    registrar.list_security(
        code=code, short_name=name, board=board, industry=industry, total_shares=total, restricted_shares=0,
        holdings=[{"account": f"D{code}", "unrestricted": total - 6 * floating}]
        + [{"account": f"DF{n:03d}", "unrestricted": floating} for n in range(6)],
    )  # fmt: skip
    prices = {stock[0]: stock[6] for stock in [*register_steps.STOCKS, EXTRA_STOCK]}
    broker, bank, trust = roles["broker"][1], roles["bank"][-1], roles["trust"][0]
    plan = [  # contract, account, code, quantity, pledgee, pledge rate, lines, share class
        ("RISK-0001", "D601901", "601901", 400_000_000, broker, 5_500, (16_000, 14_000), "unrestricted"),
        ("RISK-0002", "D601901", "601901", 100_000_000, bank, 5_000, (15_000, 13_000), "unrestricted"),
        ("RISK-0003", "DF004", "688901", 20_000_000, broker, 6_000, (16_000, 14_000), "unrestricted"),
        ("RISK-0004", "D300901", "300901", 60_000_000, trust, 5_500, (15_000, 13_000), "restricted"),
    ]
    for contract_no, account, stock, quantity, pledgee, rate_bp, lines, share_class in plan:
        custody = run.ledger.producer_peer.get(keys.account(account))["custody_broker"]
        RegisterClient(run.ledger, custody).pledge(
            contract_no=contract_no, account=account, code=stock, quantity=quantity, pledgee=pledgee,
            terms=_terms(quantity, prices[stock], rate_bp, lines), share_class=share_class,
        )  # fmt: skip
        run.console.print(
            f"  {contract_no}: {account} pledges {quantity:,} {stock} to {pledgee} "
            f"at a {rate_bp / 100:.0f}% pledge rate, lines {lines[0] // 100}/{lines[1] // 100}%"
        )
    run.notes["risk"] = {"last_close": dict(prices)}
    late = []
    for t in (0, 1):
        closes, suspended = _closes(run, t)
        late.append(_publish(run, WEEK[t], closes, suspended, at=f"{WEEK[t]} 15:30"))
    exchange = overseers(run.ledger.producer_peer).exchanges[0]
    run.clock.at(WEEK[1], "16:00")
    notice = {"code": BONUS_CODE, "kind": "transfer_shares", "ex_date": BONUS_EX_DATE,
              "per_10_shares": BONUS_PER_10}  # fmt: skip
    run.ledger.submit("market.notice", notice, [exchange])
    tuesday = _load(run, overseers(run.ledger.producer_peer).supervisor, WEEK[1])
    run.clock.at(WEEK[2], "08:30")
    registrar.corporate_action(code=BONUS_CODE, kind="bonus", per_10=BONUS_PER_10)
    closes, suspended = _closes(run, 2)
    # Wednesday's closes reach the chain only on Thursday morning: every member sees them marked late
    late.append(_publish(run, WEEK[2], closes, suspended, at=f"{WEEK[3]} 09:05"))
    run.notes["risk"]["late"] = late
    _bonus_report(run, tuesday)


def _bonus_report(run: Any, tuesday: LoadedBook) -> None:
    """The transfer shares change the register's quantities and the closes; the ratios do not move."""
    supervisor = overseers(run.ledger.producer_peer).supervisor
    wednesday = _load(run, supervisor, WEEK[2])
    code = BONUS_CODE
    published = zip(WEEK, run.notes["risk"]["late"], strict=False)
    days = ", ".join(f"{day} {'LATE' if late else 'on time'}" for day, late in published)
    run.console.print(f"closes signed by the exchange for all {wednesday.market.size} listed stocks: {days}")
    history = wednesday.history
    column = list(wednesday.market.codes).index(code)
    raw = [run.ledger.producer_peer.get(f"mkt/close/{day}")["closes"][code] for day in WEEK[:3]]
    run.console.print(
        f"{code}: 10-for-10 transfer shares, ex-date {BONUS_EX_DATE}, applied by the registrar; closes "
        f"{' / '.join(f'{p / 100:.2f}' for p in raw)} on chain, "
        f"{' / '.join(f'{p / 100:.2f}' for p in history.price_fen[:, column])} on the register's share basis"
    )
    tue = value_book(tuesday.book, tuesday.market.price_fen, tuesday.as_of_day)
    wed = value_book(wednesday.book, wednesday.market.price_fen, wednesday.as_of_day)
    row_on_tuesday = {str(contract): row for row, contract in enumerate(tuesday.book.contract_ids)}
    for row, contract in enumerate(wednesday.book.contract_ids):
        if wednesday.market.codes[wednesday.book.stock[row]] != code:
            continue
        old = row_on_tuesday[str(contract)]
        run.console.print(
            f"  {contract}: {wednesday.book.shares[row]:,} shares pledged; guarantee ratio "
            f"{tue.guarantee_ratio[old]:.1%} on Tuesday, {wed.guarantee_ratio[row]:.1%} on Wednesday"
        )
    move = history.price_fen[-1, column] / history.price_fen[-2, column] - 1
    run.console.print(f"  the ratios move with the day's {move:+.1%}, not with the halved close")


def price_shock(run: Any) -> None:
    """Thursday and Friday: the shock; alerts and who receives them; what each member may see."""
    from pledgenet.risk.alerts import detect_alerts, route_alerts
    from pledgenet.risk.breakdowns import by_contract

    for t in (3, 4):
        closes, suspended = _closes(run, t)
        _publish(run, WEEK[t], closes, suspended, at=f"{WEEK[t]} 15:30")
    chain = overseers(run.ledger.producer_peer)
    thursday, friday = _load(run, chain.supervisor, WEEK[3]), _load(run, chain.supervisor, WEEK[4])
    for code, why in friday.left_out.items():
        count = sum(1 for _, c in run.ledger.producer_peer.range(keys.CONTRACT) if c["code"] == code)
        run.console.print(
            f"[yellow]{code} left out: {why}[/yellow]; its {count} contracts are not valued today "
            "(never at an old price)"
        )
    book, market = friday.book, friday.market
    thursday_prices = thursday.market.price_fen[thursday.market.index_of(market.codes)]
    before = value_book(book, thursday_prices, thursday.as_of_day)
    after = value_book(book, market.price_fen, friday.as_of_day)
    alerts = detect_alerts(
        book, market, before, after, registrar=chain.registrars, regulator=chain.regulators
    )
    frame = _alerts_frame(alerts)
    title = f"Friday's alerts ({len(alerts)}): each goes to the contract's parties only"
    run.console.print(table(frame, "alerts", title))
    inbox = route_alerts(alerts)
    silent = [org for org in run.ledger.orgs if org not in inbox]
    run.console.print(
        f"inboxes: {', '.join(f'{org} {len(items)}' for org, items in sorted(inbox.items()))}; "
        f"nothing for {', '.join(silent)}"
    )
    contracts = by_contract(book, market, after, friday.days_below())
    title = f"{chain.supervisor}'s view: {book.size} contracts, worst first"
    run.console.print(table(contracts, "contracts", title, 8))
    seen = []
    for org in [*_roles(run)["bank"], _roles(run)["broker"][1], _roles(run)["court"][0]]:
        view = _load(run, org, WEEK[4])
        seen.append(f"{org} {view.book.size} (not entitled to {view.not_entitled})")
    run.console.print(
        f"the same closes, each member's entitled book: {chain.supervisor} {book.size}; " + "; ".join(seen)
    )
    run.notes["risk"]["friday"] = friday
    run.notes["risk"]["valuation"] = after


def _alerts_frame(alerts: list[Any]) -> Any:
    import pandas as pd

    frame = pd.DataFrame([alert.as_dict() for alert in alerts])
    if len(frame):
        frame["change"] = frame["from_status"] + " -> " + frame["to_status"]
    return frame


def views_and_stress(run: Any) -> None:
    """The penetrating views, the standard stress scenarios, a cascade from Friday's closes, the reports."""
    from pledgenet.risk.breakdowns import by_pledgee, by_stock, flags
    from pledgenet.risk.cascade import CascadeParams, run_cascade
    from pledgenet.risk.stress import run_stress, standard_scenarios
    from pledgenet.web.reports import write_risk_report, write_weekly_report

    friday: LoadedBook = run.notes["risk"]["friday"]
    valuation = run.notes["risk"]["valuation"]
    book, market, day = friday.book, friday.market, friday.as_of_day
    pledgees = by_pledgee(book, market, valuation)
    run.console.print(table(pledgees, "pledgee", "by pledgee (the 30% cap binds brokers only)"))
    run.console.print(table(by_stock(book, market), "stock", "by stock"))
    raised = flags(book, market, valuation)
    run.console.print(
        "flags: "
        + ("; ".join(f"{r.kind} {r.subject} ({r.value:.0%})" for r in raised.itertuples()) or "none")
    )
    stress = run_stress(book, market, standard_scenarios(market), day)
    run.console.print(table(stress, "stress", "stress from Friday's closes"))
    cascade = run_cascade(book, market, day, params=CascadeParams(days=10))
    summary = cascade.summary()
    run.console.print(
        f"10-day fire-sale cascade from Friday's closes: contracts triggered per day "
        f"{summary['triggered_per_day']}; forced sales {cny(float(np.sum(cascade.forced_sales_fen)))}; "
        f"losses {cny(float(summary['total_loss_fen']))}"  # type: ignore[arg-type]
    )
    folder = run.directory / "reports"
    paths = write_weekly_report(book, market, folder, friday.trade_date)
    paths["risk"] = write_risk_report(book, market, valuation, folder, friday.trade_date, stress)["html"]
    run.console.print(f"reports: {', '.join(str(path) for path in paths.values())}")
    run.console.print(
        f"try: pledgenet risk contracts --dir {run.directory}   (or views --by controller, stress, "
        f"cascade, alerts; --org {_roles(run)['bank'][0]} for a bank's own book)"
    )
