"""Request (``*Create``) and response (``*Public``) shapes of the API.

Amounts are integer fen, ratios integer basis points, quantities integer shares, as on the chain.
Register records and risk rows are returned as the register and the risk engine shape them (``dict``
rows), since their fields are the register's own (docs/register.md, docs/risk.md).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pledgenet.contracts.register.terms import make_terms
from pledgenet.ledger.records import KeyVersion, SignedHeader, TxReceipt


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- transactions


class TransactionCreate(Shape):
    """One signed envelope: its canonical JSON text, as ``encode_envelope`` makes it."""

    envelope: str = Field(description="the signed envelope (canonical JSON text)")


class BatchCreate(Shape):
    envelopes: list[str] = Field(min_length=1, description="signed envelopes, ordered in this order")


class ReceiptPublic(BaseModel):
    tx_id: str
    height: int
    index: int
    valid: bool
    code: str = Field(description="'ok', or the reason code the transaction was refused with")
    message: str
    tx_type: str
    submitter: str
    events: list[dict[str, Any]]
    result: Any = None

    @classmethod
    def of(cls, receipt: TxReceipt) -> ReceiptPublic:
        return cls(**receipt.to_dict())


class SubmittedPublic(BaseModel):
    tx_id: str
    status: Literal["acknowledged", "committed"]
    receipt: ReceiptPublic | None = None


# ---------------------------------------------------------------- ledger


class HeaderPublic(BaseModel):
    alliance: str
    height: int
    prev_hash: str
    producer: str
    state_root: str = Field(description="state root after the previous block")
    timestamp: int
    tx_count: int
    tx_root: str
    hash: str
    signature: str

    @classmethod
    def of(cls, signed: SignedHeader) -> HeaderPublic:
        return cls(**signed.to_dict())


class BlockPublic(BaseModel):
    header: HeaderPublic
    txs: list[ReceiptPublic]


class TxProofPublic(BaseModel):
    tx_id: str
    height: int
    index: int
    envelope: str
    tx_path: list[list[Any]] = Field(description="Merkle path to the header's tx_root: [left, sibling hex]")
    valid: bool
    code: str
    outcome_path: list[list[Any]] = Field(description="Merkle path of the outcome in the block's effects")


class TxPublic(ReceiptPublic):
    envelope: str
    proof: TxProofPublic
    proven: bool = Field(description="the outcome is provable: the next block's header exists")


class StateEntryPublic(BaseModel):
    key: str
    value: Any


class KeyVersionPublic(BaseModel):
    key: str
    height: int
    index: int
    tx_id: str
    value: Any
    deleted: bool

    @classmethod
    def of(cls, version: KeyVersion) -> KeyVersionPublic:
        return cls(**version.to_dict())


class NodePublic(BaseModel):
    org: str
    alliance: str
    genesis_hash: str
    height: int
    caller: str = Field(description="the authenticated client's name")


class SessionPublic(BaseModel):
    org: str
    name: str
    expires_ms: int
    csrf: str = Field(description="echo in X-Pledgenet-CSRF on every non-GET request of this session")


class CredentialCreate(Shape):
    credential: str = Field(description="the client credential file's text (key and certificate PEM)")


# ---------------------------------------------------------------- register operations


class TermsCreate(Shape):
    """Sealed terms of a registration (sealed for the entitled members before they leave the node)."""

    amount_fen: int = Field(ge=0, description="financing amount in fen (0: a non-financing pledge)")
    start_price_fen: int = Field(gt=0, description="previous close in fen (for the pledge rate)")
    annual_rate_bp: int = 600
    term_days: int = 365
    use_of_funds: str = "01"
    warning_line_bp: int = 16_000
    closing_line_bp: int = 14_000
    business_type: str | None = None
    initial_market: str = "SH"
    initial_registration_no: str | None = None

    def record(self) -> dict[str, Any]:
        return make_terms(
            business_type=self.business_type or ("financing_initial" if self.amount_fen else "non_financing"),
            amount_fen=self.amount_fen,
            annual_rate_bp=self.annual_rate_bp,
            term_days=self.term_days,
            use_of_funds=self.use_of_funds,
            warning_line_bp=self.warning_line_bp,
            closing_line_bp=self.closing_line_bp,
            start_price_fen=self.start_price_fen,
            initial_market=self.initial_market,
            initial_registration_no=self.initial_registration_no,
        )


class AccountsCreate(Shape):
    accounts: list[dict[str, Any]] = Field(
        min_length=1, description="accounts as RegisterClient.open_accounts takes them; identity in clear"
    )


class SecurityCreate(Shape):
    code: str
    short_name: str
    board: str = "main"
    industry: str = ""
    total_shares: int
    restricted_shares: int = 0
    holdings: list[dict[str, Any]]


class TransferCreate(Shape):
    code: str
    from_account: str
    to_account: str
    quantity: int
    share_class: str = "unrestricted"


class CorporateActionCreate(Shape):
    code: str
    kind: Literal["bonus", "split"]
    per_10: int | None = Field(None, description="bonus: new shares for every 10")
    numerator: int | None = Field(None, description="split: new shares for every `denominator`")
    denominator: int | None = None

    def ratio(self) -> dict[str, int]:
        return {
            name: value
            for name, value in (
                ("per_10", self.per_10),
                ("numerator", self.numerator),
                ("denominator", self.denominator),
            )
            if value is not None
        }


class PledgeCreate(Shape):
    contract_no: str
    account: str
    code: str
    quantity: int
    pledgee: str
    terms: TermsCreate
    pledgee_name: str | None = None
    pledgee_id_number: str | None = None
    share_class: str = "unrestricted"
    lender_type: str = "00"
    product: str | None = None
    repays_default_of: str | None = None
    preflight: bool = True


class TopUpCreate(Shape):
    quantity: int
    terms: TermsCreate
    share_class: str = "unrestricted"
    preflight: bool = True


class ReleaseCreate(Shape):
    quantity: int | None = None
    settlement_type: str = "02"


class RepurchaseCreate(Shape):
    early: bool = False


class ExtendCreate(Shape):
    terms: TermsCreate
    preflight: bool = True


class DefaultCreate(Shape):
    reason: str


class DisposeCreate(Shape):
    mode: str
    quantity: int | None = None
    channel: str = "auction"
    to_account: str | None = None


class FreezeCreate(Shape):
    code: str
    account: str
    quantity: int
    case_no: str
    queued: bool = False
    share_class: str = "unrestricted"


class JudicialTransferCreate(Shape):
    to_account: str
    quantity: int | None = None


# ---------------------------------------------------------------- governance and market


class ProposalCreate(Shape):
    action: dict[str, Any] = Field(
        description="admit_member, remove_member {org}, change_roles {org, roles} or set_param {name, value}"
    )


class VoteCreate(Shape):
    approve: bool


class ClosesCreate(Shape):
    trade_date: str = Field(description="YYYY-MM-DD")
    closes: dict[str, int] = Field(description="security code -> close in fen")
    suspended: list[str] = Field(default_factory=list)


class NoticeCreate(Shape):
    code: str
    kind: str = Field(description="cash_dividend, bonus_shares, transfer_shares, split, ...")
    ex_date: str
    per_10_shares: int | None = None
    numerator: int | None = None
    denominator: int | None = None
