"""A small register world for the register tests: members with keys, two stocks, a few accounts."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from memory_context import MemoryLedger, Receipt

from pledgenet.contracts import governance
from pledgenet.contracts.register import contract, verdicts
from pledgenet.contracts.register.terms import make_terms, make_verdict, review_in_context
from pledgenet.crypto.envelope import open_and_verify, public_key_hex, seal
from pledgenet.errors import PledgenetError

REGISTRAR, REGULATOR, COURT, COURT_2 = "csdc", "csrc", "court-sh", "court-bj"
BROKER_A, BROKER_B, BANK, TRUST, OUTSIDER = "citic-sec", "huatai-sec", "icbc", "ctrust", "sse"

ROLES = {
    REGISTRAR: ["registrar", "governing"],
    REGULATOR: ["regulator"],
    COURT: ["court"],
    COURT_2: ["court"],
    BROKER_A: ["broker"],
    BROKER_B: ["broker"],
    BANK: ["bank"],
    TRUST: ["trust"],
    OUTSIDER: ["exchange"],
}
KEYS = {org: X25519PrivateKey.generate() for org in ROLES}

# stock A: 1,000,000 shares (100,000 restricted); stock B: 400,000 shares
STOCK_A, STOCK_B = "600519", "300750"
ACCOUNTS = {
    # account: (holder, custody broker, financial institution, controls)
    "A001": ("Zhang Wei Holdings", BROKER_A, False, [STOCK_A]),
    "A002": ("Li Na", BROKER_A, False, []),
    "B001": ("Wang Fang Investment", BROKER_B, False, [STOCK_B]),
    "B002": ("Sunrise Securities Ltd", BROKER_B, True, []),
    "B003": ("Chen Jie", BROKER_B, False, []),
}
PLACEMENTS = {
    STOCK_A: [
        {"account": "A001", "unrestricted": 500_000, "restricted": 100_000},
        {"account": "A002", "unrestricted": 200_000},
        {"account": "B001", "unrestricted": 100_000},
        {"account": "B002", "unrestricted": 50_000},
        {"account": "B003", "unrestricted": 50_000},
    ],
    STOCK_B: [
        {"account": "B001", "unrestricted": 300_000},
        {"account": "A002", "unrestricted": 60_000},
        {"account": "B003", "unrestricted": 40_000},
    ],
}


def member_record(org: str) -> dict[str, Any]:
    return {
        "org": org,
        "roles": ROLES[org],
        "encryption_key": public_key_hex(KEYS[org]),
        "certificate": "-----BEGIN CERTIFICATE-----\n(test)\n-----END CERTIFICATE-----\n",
    }


def sealed(
    readers: list[str],
    record: dict[str, Any] | None = None,
    purpose: str = "pledge_terms",
    *,
    binding: str = "",
) -> dict[str, Any]:
    """Seal ``record`` (default: sound terms) for ``readers`` plus the registrar and the regulator."""
    orgs = {*readers, REGISTRAR, REGULATOR}
    return seal(
        record if record is not None else sound_terms(),
        {org: public_key_hex(KEYS[org]) for org in orgs},
        purpose=purpose,
        binding=binding,
    )


def verdict(
    envelope: dict[str, Any], context: dict[str, Any], *, registrar: str = REGISTRAR
) -> dict[str, str]:
    """The registrar's endorsement step: open ``envelope`` with its key, verify every wrap against the
    members' keys, check the terms over ``context``, state a verdict."""
    public_keys = {org: public_key_hex(key) for org, key in KEYS.items()}
    terms, unreadable = open_and_verify(envelope, registrar, KEYS[registrar], public_keys)
    outcome = "terms_unreadable" if unreadable else review_in_context(terms, context)
    return make_verdict(registrar, envelope["hash"], verdicts.context_hash(context), outcome)


def sound_terms(**changes: Any) -> dict[str, Any]:
    terms = make_terms(
        amount_fen=600_000_000,
        annual_rate_bp=650,
        start_price_fen=10_000,
    )
    terms.update(changes)
    return terms


class World:
    """The memory ledger with the market listed and helpers that build well-formed transactions."""

    def __init__(self, *, listed: bool = True) -> None:
        self.ledger = MemoryLedger([contract], {org: member_record(org) for org in ROLES})
        if listed:
            self.open_accounts()
            for code, placements in PLACEMENTS.items():
                self.list_security(code, placements)

    def open_accounts(self) -> Receipt:
        items = [
            {
                "account": account,
                "holder_name": holder,
                "holder_type": "1",
                "financial_institution": financial,
                "custody_broker": broker,
                "controlling_shareholder_of": controls,
                "identity": sealed(
                    [broker],
                    {"id_type": "licence", "id_number": f"91{account}"},
                    "identity",
                    binding=f"identity/{account}",
                ),
            }
            for account, (holder, broker, financial, controls) in ACCOUNTS.items()
        ]
        return self.ok("register.open_accounts", {"accounts": items}, [REGISTRAR])

    def list_security(self, code: str, placements: list[dict[str, Any]]) -> Receipt:
        total = sum(p.get("unrestricted", 0) + p.get("restricted", 0) for p in placements)
        restricted = sum(p.get("restricted", 0) for p in placements)
        args = {
            "code": code,
            "short_name": f"S{code}",
            "board": "main" if code.startswith("6") else "chinext",
            "industry": "manufacturing",
            "total_shares": total,
            "restricted_shares": restricted,
            "holdings": placements,
        }
        return self.ok("register.list_security", args, [REGISTRAR])

    def param(self, name: str) -> Any:
        return self.ledger.get(governance.param_key(name))

    def context(self, operation: str, args: dict[str, Any]) -> dict[str, Any]:
        """The verdict's context as the registrar derives it now, for the next block (one second on)."""
        return verdicts.derive(self.ledger, self.param, operation, args, self.ledger.time + 1000)

    def verdict(self, operation: str, args: dict[str, Any]) -> dict[str, str]:
        """The registrar's real verdict on ``args["terms"]`` over the context it derives for ``args``."""
        return verdict(args["terms"], self.context(operation, args))

    def reviewed(
        self,
        operation: str,
        args: dict[str, Any],
        readers: list[str],
        record: dict[str, Any] | None = None,
        *,
        outcome: str | None = None,
    ) -> dict[str, Any]:
        """``args`` with ``record`` sealed for ``readers`` (bound to the registration the context names)
        and the registrar's verdict; ``outcome`` forces it (tests of what follows a verdict, or of public
        arguments the contract refuses before it looks at any verdict: those have no context)."""
        try:
            context: dict[str, Any] | None = self.context(operation, args)
        except PledgenetError:
            if outcome is None:
                raise
            context = None
        envelope = sealed(readers, record, binding="" if context is None else context["binding"])
        if outcome is None:
            assert context is not None
            decision = verdict(envelope, context)
        else:
            hashed = "" if context is None else verdicts.context_hash(context)
            decision = make_verdict(REGISTRAR, envelope["hash"], hashed, outcome)
        return {**args, "terms": envelope, "terms_verdict": decision}

    def ok(self, tx_type: str, args: dict[str, Any], signers: list[str]) -> Receipt:
        receipt = self.ledger.submit(tx_type, args, signers)
        assert receipt.valid, f"{tx_type} refused: {receipt.code} {receipt.message}"
        return receipt

    def submit(self, tx_type: str, args: dict[str, Any], signers: list[str]) -> Receipt:
        return self.ledger.submit(tx_type, args, signers)

    def pledge_args(
        self,
        contract_no: str,
        account: str,
        code: str,
        quantity: int,
        pledgee: str = BANK,
        **extra: Any,
    ) -> dict[str, Any]:
        broker = ACCOUNTS[account][1]
        args = {
            "contract_no": contract_no,
            "account": account,
            "code": code,
            "quantity": quantity,
            "pledgee": pledgee,
            "pledgee_name": pledgee.upper(),
            "pledgee_id_number": f"LIC-{pledgee}",
            **{name: value for name, value in extra.items() if name != "terms"},
        }
        args = self.reviewed("pledge", args, [broker, pledgee], outcome="ok")
        args.update(extra)
        return args

    def pledge(
        self, contract_no: str, account: str, code: str, quantity: int, pledgee: str = BANK, **extra: Any
    ) -> Receipt:
        broker = ACCOUNTS[account][1]
        args = self.pledge_args(contract_no, account, code, quantity, pledgee, **extra)
        return self.submit("register.pledge", args, [broker, pledgee, REGISTRAR])

    def release(self, registration_no: str, quantity: int | None = None) -> Receipt:
        record = self.ledger.get(f"reg/pledge/{registration_no}")
        args: dict[str, Any] = {"registration_no": registration_no}
        if quantity is not None:
            args["quantity"] = quantity
        return self.submit("register.release", args, [record["custody_unit"], record["pledgee"]["org"]])

    def holding(self, code: str, account: str) -> dict[str, Any]:
        return self.ledger.get(f"reg/hold/{code}/{account}")
