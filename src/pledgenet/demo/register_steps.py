"""Demo steps of the pledge register, run by ``pledgenet demo`` (see ``pledgenet.demo.runner.STEPS``).

They work on whatever alliance the demo founded: the registrar, brokers, banks, trusts, a court and the
regulator are found by their roles. The book: three listed stocks (main board, ChiNext, STAR) with
controlling shareholders and free float, pledges to every broker, bank and trust member, a court freeze
and a queued freeze, a release that lets the queued freeze take effect, then the weekly statistics.
"""

from __future__ import annotations

from typing import Any, Protocol

from rich.console import Console

from pledgenet.contracts.governance import members_with_role
from pledgenet.contracts.register.terms import make_terms
from pledgenet.errors import RegisterError
from pledgenet.ledger.alliance import Alliance
from pledgenet.register.client import RegisterClient
from pledgenet.register.tables import weekly_summary, weekly_table

STOCKS = [
    ("603901", "YONGAN PHARMA", "main", "pharmaceuticals", 1_500_000_000, 150_000_000, 1_262),
    ("300901", "SHENGHE SOFT", "chinext", "software", 600_000_000, 120_000_000, 2_318),
    ("688901", "XINWEI CHIPS", "star", "semiconductors", 400_000_000, 80_000_000, 4_605),
]


class DemoRunLike(Protocol):
    console: Console
    notes: dict[str, Any]

    @property
    def ledger(self) -> Alliance: ...


def _orgs(client: RegisterClient, *roles: str) -> list[str]:
    return sorted({org for role in roles for org in members_with_role(client.peer, role)})


def register_book(run: DemoRunLike) -> None:
    """List stocks, open accounts, register pledges across brokers, banks and trusts."""
    registrar = RegisterClient(
        run.ledger, _orgs(RegisterClient(run.ledger, run.ledger.orgs[0]), "registrar")[0]
    )
    brokers = _orgs(registrar, "broker")
    pledgees = _orgs(registrar, "broker", "bank", "trust")
    accounts: list[dict[str, Any]] = []
    for index, (code, name, *_rest) in enumerate(STOCKS):
        accounts.append(
            {
                "account": f"D{code}",
                "holder_name": f"{name.title()} Holding Group",
                "holder_type": "1",
                "custody_broker": brokers[index % len(brokers)],
                "controlling_shareholder_of": [code],
                "identity": {"id_type": "uscc", "id_number": f"91330{code}X"},
            }
        )
    for n in range(6):
        accounts.append(
            {
                "account": f"DF{n:03d}",
                "holder_name": f"Investor {n}",
                "holder_type": "0",
                "custody_broker": brokers[n % len(brokers)],
                "identity": {"id_type": "resident_id", "id_number": f"3301061975{n:08d}"},
            }
        )
    registrar.open_accounts(accounts)
    for code, name, board, industry, total, restricted, _price in STOCKS:
        controller = total * 45 // 100
        floating = (total - controller) // 6
        holdings = [
            {"account": f"D{code}", "unrestricted": controller - restricted, "restricted": restricted}
        ]
        holdings += [{"account": f"DF{n:03d}", "unrestricted": floating} for n in range(5)]
        holdings.append({"account": "DF005", "unrestricted": total - controller - 5 * floating})
        registrar.list_security(
            code=code,
            short_name=name,
            board=board,
            industry=industry,
            total_shares=total,
            restricted_shares=restricted,
            holdings=holdings,
        )
    run.console.print(f"{len(STOCKS)} stocks listed, {len(accounts)} accounts opened (identity data sealed)")
    registrations: dict[str, str] = {}
    plan = [
        (0, f"D{STOCKS[0][0]}", 1800),
        (0, "DF001", 300),
        (1, f"D{STOCKS[1][0]}", 2300),
        (1, "DF002", 400),
        (2, f"D{STOCKS[2][0]}", 1200),
        (2, "DF003", 250),
        (0, f"D{STOCKS[0][0]}", 700),
    ]
    for number, (stock, account, share_bp) in enumerate(plan, start=1):
        code, _name, _board, _industry, total, _restricted, price = STOCKS[stock]
        pledgee = pledgees[number % len(pledgees)]
        quantity = total * share_bp // 10_000
        amount = quantity * price * 50 // 100
        custody = next(a["custody_broker"] for a in accounts if a["account"] == account)
        terms = make_terms(
            amount_fen=amount,
            annual_rate_bp=580,
            start_price_fen=price,
        )
        contract_no = f"DEMO-{number:04d}"
        receipt = RegisterClient(run.ledger, custody).pledge(
            contract_no=contract_no,
            account=account,
            code=code,
            quantity=quantity,
            pledgee=pledgee,
            terms=terms,
        )
        registrations[contract_no] = receipt.result["registration_no"]
        disclosures = [e["payload"] for e in receipt.events if e["name"] == "register.disclosure_due"]
        run.console.print(
            f"  {contract_no}: {account} pledges {quantity:,} {code} to {pledgee}"
            + "".join(
                f"  [yellow]disclosure due: crossed {d['threshold_bp'] // 100}%[/yellow]" for d in disclosures
            )
        )
    try:
        custody = next(a["custody_broker"] for a in accounts if a["account"] == "DF001")
        RegisterClient(run.ledger, custody).pledge(
            contract_no="DEMO-OVER",
            account="DF001",
            code=STOCKS[0][0],
            quantity=STOCKS[0][4],
            pledgee=pledgees[0],
            terms=make_terms(
                amount_fen=600_000_000,
                annual_rate_bp=580,
                start_price_fen=STOCKS[0][6],
            ),
        )
    except RegisterError as refused:
        run.console.print(
            f"  a pledge of more shares than the account holds is refused: [red]{refused.code}[/red]"
        )
    run.notes["register"] = {"registrations": registrations, "prices": {s[0]: s[6] for s in STOCKS}}


def freeze_and_release(run: DemoRunLike) -> None:
    """A court freezes free shares, queues a freeze behind a pledge; the release lets it take effect."""
    client = RegisterClient(run.ledger, run.ledger.orgs[0])
    court = RegisterClient(run.ledger, _orgs(client, "court")[0])
    code = STOCKS[0][0]
    [holding] = court.holdings(account="DF001", code=code)
    frozen = court.freeze(code=code, account="DF001", quantity=holding["free"], case_no="(2024)Zhe01Min123")
    run.console.print(
        f"{court.org} freezes all {holding['free']:,} free shares of DF001: "
        f"freeze {frozen.result['freeze_id']} {frozen.result['state']}"
    )
    queued = court.freeze(
        code=code, account="DF001", quantity=holding["pledged"] // 2, case_no="(2024)Zhe01Min124", queued=True
    )
    triggers = [e for e in queued.events if e["name"] == "register.default_trigger"]
    run.console.print(
        f"a queued freeze of {holding['pledged'] // 2:,} pledged shares waits at position "
        f"{queued.result['position']} ({queued.result['freeze_id']}); "
        f"{len(triggers)} pledgee(s) warned of a default trigger"
    )
    registration_no = run.notes["register"]["registrations"]["DEMO-0002"]
    record = court.registration(registration_no, open_terms=False)
    pledgee = RegisterClient(run.ledger, record["pledgee"]["org"])
    released = pledgee.release(registration_no=registration_no)
    names = [e["name"] for e in released.events]
    run.console.print(f"{pledgee.org} releases DEMO-0002: events {', '.join(names)}")
    [holding] = court.holdings(account="DF001", code=code)
    run.console.print(
        f"DF001 now: pledged {holding['pledged']:,}, frozen {holding['frozen']:,}, "
        f"queued freezes {len(holding['queued_freezes'])}"
    )
    entitled = RegisterClient(run.ledger, _orgs(client, "regulator")[0]).registration(registration_no)[
        "terms"
    ]
    run.console.print(
        f"the regulator opens the sealed terms: amount CNY {entitled['amount_fen'] // 100:,}; "
        f"{court.org} sees: {court.registration(registration_no)['terms']}"
    )


def weekly_statistics(run: DemoRunLike) -> None:
    """The registrar's weekly statistics over the register as it stands."""
    client = RegisterClient(run.ledger, run.ledger.orgs[0])
    stats = client.weekly_statistics(as_of="this Friday", prices=run.notes["register"]["prices"])
    run.console.print(weekly_table(stats))
    for line in weekly_summary(stats):
        run.console.print(line)
