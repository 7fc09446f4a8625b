"""The demo book: a realistic small register of pledges for the demo and the integration tests, built
through the client.

Listed stocks on the main board, ChiNext and STAR, each with a controlling shareholder and free float spread
over accounts kept at the three brokers. Pledges go to brokers (on-exchange repo), banks and the trust
(off-exchange pledges), roughly in the market's split (brokers about half, banks a quarter). The members
who act are those of ``pledgenet.demo.members``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pledgenet.contracts.catalog import init_alliance
from pledgenet.contracts.register.terms import make_terms
from pledgenet.demo.members import BANKS, BROKERS, MEMBERS, REGISTRAR, TRUST
from pledgenet.ledger.alliance import Alliance
from pledgenet.register.client import RegisterClient

#: code, short name, board, industry, total shares, restricted, closing price (fen)
STOCKS = [
    ("600100", "TONGFANG", "main", "electronics", 3_000_000_000, 0, 612),
    ("600200", "SUNRISE PHARMA", "main", "pharmaceuticals", 1_200_000_000, 120_000_000, 1_835),
    ("300300", "CHINEXT TECH", "chinext", "software", 800_000_000, 200_000_000, 2_740),
    ("688400", "STAR CHIPS", "star", "semiconductors", 400_000_000, 100_000_000, 5_120),
]


@dataclass
class Book:
    """What the scenario built: accounts by stock, registration numbers by contract."""

    controllers: dict[str, str]
    registrations: dict[str, str]
    prices: dict[str, int]


def create(directory: Any) -> Alliance:
    return init_alliance(directory, list(MEMBERS))


def terms_for(
    amount_fen: int, price_fen: int, *, lines: tuple[int, int] = (16_000, 14_000), days: int = 365
) -> dict[str, Any]:
    return make_terms(
        amount_fen=amount_fen,
        term_days=days,
        warning_line_bp=lines[0],
        closing_line_bp=lines[1],
        start_price_fen=price_fen,
    )


def build_book(alliance: Alliance) -> Book:
    """Open accounts, list the stocks, register pledges across brokers, banks and the trust."""
    registrar = RegisterClient(alliance, REGISTRAR)
    accounts: list[dict[str, Any]] = []
    controllers: dict[str, str] = {}
    for index, (code, name, *_rest) in enumerate(STOCKS):
        controller = f"C{code}"
        controllers[code] = controller
        accounts.append(
            {
                "account": controller,
                "holder_name": f"{name.title()} Group",
                "holder_type": "1",
                "custody_broker": BROKERS[index % 3],
                "controlling_shareholder_of": [code],
                "identity": {"id_type": "uscc", "id_number": f"9131{code}MA1X"},
            }
        )
    for n in range(12):
        accounts.append(
            {
                "account": f"F{n:04d}",
                "holder_name": f"Investor {n}",
                "holder_type": "0",
                "custody_broker": BROKERS[n % 3],
                "identity": {"id_type": "resident_id", "id_number": f"31010119800101{n:04d}"},
            }
        )
    registrar.open_accounts(accounts)
    for code, name, board, industry, total, restricted, _price in STOCKS:
        controller_share = total * 40 // 100
        float_share = (total - controller_share) // 12
        placements = [
            {
                "account": controllers[code],
                "unrestricted": controller_share - restricted,
                "restricted": restricted,
            }
        ]
        placements += [{"account": f"F{n:04d}", "unrestricted": float_share} for n in range(11)]
        placements.append({"account": "F0011", "unrestricted": total - controller_share - 11 * float_share})
        registrar.list_security(
            code=code,
            short_name=name,
            board=board,
            industry=industry,
            total_shares=total,
            restricted_shares=restricted,
            holdings=placements,
        )
    prices = {code: price for code, *_rest, price in STOCKS}
    registrations: dict[str, str] = {}
    plan = [
        # contract, stock, account, pledgee, share of the stock in bp, pledge rate in bp
        ("HG2024-0001", "600100", "C600100", BROKERS[0], 900, 5000),
        ("ZY2024-0002", "600100", "F0003", BANKS[0], 150, 4500),
        ("HG2024-0003", "600200", "C600200", BROKERS[1], 1200, 5500),
        ("ZY2024-0004", "600200", "C600200", TRUST, 800, 4000),
        ("ZY2024-0005", "300300", "C300300", BANKS[1], 1500, 5000),
        ("HG2024-0006", "300300", "F0004", BROKERS[2], 300, 6000),
        ("ZY2024-0007", "688400", "C688400", BANKS[0], 700, 3500),
        ("HG2024-0008", "688400", "F0005", BROKERS[0], 200, 5000),
    ]
    for contract_no, code, account, pledgee, share_bp, rate_bp in plan:
        total = next(stock[4] for stock in STOCKS if stock[0] == code)
        quantity = total * share_bp // 10_000
        amount = quantity * prices[code] * rate_bp // 10_000
        custody = RegisterClient(
            alliance, next(a["custody_broker"] for a in accounts if a["account"] == account)
        )
        receipt = custody.pledge(
            contract_no=contract_no,
            account=account,
            code=code,
            quantity=quantity,
            pledgee=pledgee,
            terms=terms_for(amount, prices[code]),
        )
        registrations[contract_no] = receipt.result["registration_no"]
    return Book(controllers=controllers, registrations=registrations, prices=prices)
