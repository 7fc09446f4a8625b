"""The pledge register as this member sees it, and its operations built and signed by the member's node.

Views are ``register.member_views`` and ``RegisterClient``'s queries: public elements in clear, sealed
fields opened only when this member is one of the envelope's recipients (``"sealed (not entitled)"``
otherwise). Operations are ``RegisterClient``'s: the node builds the transaction, seals the terms for the
entitled members, gathers the co-signatures the operation needs and submits; a refusal comes back as a
problem with the contract's reason code and the CLI's message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from pledgenet.api.deps import NodeDep
from pledgenet.api.models import (
    AccountsCreate,
    CorporateActionCreate,
    DefaultCreate,
    DisposeCreate,
    ExtendCreate,
    FreezeCreate,
    JudicialTransferCreate,
    PledgeCreate,
    ReceiptPublic,
    ReleaseCreate,
    RepurchaseCreate,
    SecurityCreate,
    TopUpCreate,
    TransferCreate,
)
from pledgenet.errors import BadRegisterArguments
from pledgenet.ledger.records import TxReceipt
from pledgenet.register import member_views as views

router = APIRouter(prefix="/register", tags=["register"])

Row = dict[str, Any]


def _receipt(receipt: TxReceipt) -> ReceiptPublic:
    return ReceiptPublic.of(receipt)


# ---------------------------------------------------------------- views


@router.get("/securities", response_model=list[Row])
def securities(backend: NodeDep, code: str | None = None) -> list[Row]:
    """Listed securities with their capital and pledge totals (public)."""
    with backend.register() as client:
        return views.securities(client, code)


@router.get("/accounts/{account}", response_model=Row)
def account(backend: NodeDep, account: str) -> Row:
    """A securities account; its identity data opened only for the custody broker, registrar, regulator."""
    with backend.register() as client:
        return views.account(client, account)


@router.get("/holdings", response_model=list[Row])
def holdings(backend: NodeDep, account: str | None = None, code: str | None = None) -> list[Row]:
    """Holdings of a stock or an account: total, free, restricted, pledged, frozen."""
    with backend.register() as client:
        return client.holdings(account=account, code=code)


@router.get("/pledges", response_model=list[Row])
def pledges(
    backend: NodeDep,
    code: str | None = None,
    account: str | None = None,
    include_closed: Annotated[bool, Query(description="released and disposed registrations too")] = False,
) -> list[Row]:
    """Registrations of a stock and/or an account, sealed terms opened only where entitled."""
    with backend.register() as client:
        return views.pledges(client, code=code, account=account, include_closed=include_closed)


@router.get("/pledges/{registration_no}", response_model=Row)
def registration(backend: NodeDep, registration_no: str) -> Row:
    """One registration: public elements and its terms (opened, or ``sealed (not entitled)``)."""
    with backend.register() as client:
        return client.registration(registration_no)


@router.get("/contracts/{contract_no}", response_model=Row)
def contract(backend: NodeDep, contract_no: str) -> Row:
    """A pledge contract (public): parties, state, settlement type, registrations."""
    with backend.register() as client:
        return client.pledge_contract(contract_no)


@router.get("/freeze-queue/{code}/{account}", response_model=Row)
def freeze_queue(backend: NodeDep, code: str, account: str) -> Row:
    """A holding's effective freezes, then the queued ones in order, beside its free quantities."""
    with backend.register() as client:
        return views.freeze_queue(client, code, account)


@router.get("/events", response_model=list[Row])
def events(
    backend: NodeDep,
    since_height: Annotated[int, Query(ge=0)] = 0,
    name: Annotated[list[str] | None, Query(description="only these events (repeat)")] = None,
    code: str | None = None,
    account: str | None = None,
) -> list[Row]:
    """The register's events from a height on, optionally of some names, a stock or an account."""
    with backend.register() as client:
        return views.events(client, since_height=since_height, names=name or (), code=code, account=account)


@router.get("/statistics/weekly", response_model=Row)
def weekly_statistics(
    backend: NodeDep,
    as_of: str = "latest",
    price: Annotated[list[str] | None, Query(description="CODE=FEN closing price (repeat)")] = None,
) -> Row:
    """The registrar's weekly statistics: per stock and market-wide ratio buckets."""
    prices: dict[str, int] = {}
    for item in price or []:
        code, _, fen = item.partition("=")
        if not fen.isdigit():
            raise BadRegisterArguments(f"price {item!r} is not CODE=FEN")
        prices[code] = int(fen)
    with backend.register() as client:
        return client.weekly_statistics(as_of=as_of, prices=prices or None)


# ---------------------------------------------------------------- the book


@router.post("/accounts", response_model=ReceiptPublic)
def open_accounts(backend: NodeDep, body: AccountsCreate) -> ReceiptPublic:
    """Open accounts; identity data given in clear is sealed before it leaves the node."""
    with backend.register() as client:
        return _receipt(client.open_accounts(body.accounts))


@router.post("/securities", response_model=ReceiptPublic)
def list_security(backend: NodeDep, body: SecurityCreate) -> ReceiptPublic:
    """The registrar lists a security; its holdings place its whole capital."""
    with backend.register() as client:
        return _receipt(client.list_security(**body.model_dump()))


@router.post("/transfers", response_model=ReceiptPublic)
def transfer(backend: NodeDep, body: TransferCreate) -> ReceiptPublic:
    """Transfer free shares between accounts (co-signed by the receiving account's custody broker)."""
    with backend.register() as client:
        return _receipt(client.transfer(**body.model_dump()))


@router.post("/corporate-actions", response_model=ReceiptPublic)
def corporate_action(backend: NodeDep, body: CorporateActionCreate) -> ReceiptPublic:
    """The registrar applies a bonus issue (``per_10``) or a split (``numerator``/``denominator``)."""
    with backend.register() as client:
        return _receipt(client.corporate_action(code=body.code, kind=body.kind, **body.ratio()))


# ---------------------------------------------------------------- pledges


@router.post("/pledges", response_model=ReceiptPublic)
def pledge(backend: NodeDep, body: PledgeCreate) -> ReceiptPublic:
    """Initial pledge: terms sealed for the entitled members, reviewed by the registrar, co-signed."""
    options = body.model_dump(exclude={"terms"})
    with backend.register() as client:
        return _receipt(client.pledge(terms=body.terms.record(), **options))


@router.post("/contracts/{contract_no}/top-up", response_model=ReceiptPublic)
def top_up(backend: NodeDep, contract_no: str, body: TopUpCreate) -> ReceiptPublic:
    with backend.register() as client:
        return _receipt(
            client.top_up(
                contract_no=contract_no,
                quantity=body.quantity,
                terms=body.terms.record(),
                share_class=body.share_class,
                preflight=body.preflight,
            )
        )


@router.post("/pledges/{registration_no}/release", response_model=ReceiptPublic)
def release(backend: NodeDep, registration_no: str, body: ReleaseCreate) -> ReceiptPublic:
    with backend.register() as client:
        return _receipt(client.release(registration_no=registration_no, **body.model_dump()))


@router.post("/contracts/{contract_no}/repurchase", response_model=ReceiptPublic)
def repurchase(backend: NodeDep, contract_no: str, body: RepurchaseCreate) -> ReceiptPublic:
    with backend.register() as client:
        return _receipt(client.repurchase(contract_no=contract_no, early=body.early))


@router.post("/contracts/{contract_no}/extend", response_model=ReceiptPublic)
def extend(backend: NodeDep, contract_no: str, body: ExtendCreate) -> ReceiptPublic:
    with backend.register() as client:
        return _receipt(
            client.extend(contract_no=contract_no, terms=body.terms.record(), preflight=body.preflight)
        )


@router.post("/contracts/{contract_no}/default", response_model=ReceiptPublic)
def declare_default(backend: NodeDep, contract_no: str, body: DefaultCreate) -> ReceiptPublic:
    with backend.register() as client:
        return _receipt(client.declare_default(contract_no=contract_no, reason=body.reason))


@router.post("/pledges/{registration_no}/dispose", response_model=ReceiptPublic)
def dispose(backend: NodeDep, registration_no: str, body: DisposeCreate) -> ReceiptPublic:
    with backend.register() as client:
        return _receipt(client.dispose(registration_no=registration_no, **body.model_dump()))


# ---------------------------------------------------------------- the court


@router.post("/freezes", response_model=ReceiptPublic)
def freeze(backend: NodeDep, body: FreezeCreate) -> ReceiptPublic:
    """A court freezes shares (``queued``: waits in the holding's queue for free shares)."""
    with backend.register() as client:
        return _receipt(client.freeze(**body.model_dump()))


@router.post("/freezes/{freeze_id}/lift", response_model=ReceiptPublic)
def lift(backend: NodeDep, freeze_id: str) -> ReceiptPublic:
    with backend.register() as client:
        return _receipt(client.unfreeze(freeze_id=freeze_id))


@router.post("/freezes/{freeze_id}/judicial-transfer", response_model=ReceiptPublic)
def judicial_transfer(backend: NodeDep, freeze_id: str, body: JudicialTransferCreate) -> ReceiptPublic:
    with backend.register() as client:
        return _receipt(client.judicial_transfer(freeze_id=freeze_id, **body.model_dump()))
