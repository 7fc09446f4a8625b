"""The Python client of the pledge register: one call per operation and query.

A ``RegisterClient`` acts for one member organisation of an embedded ``Alliance``. It builds each
operation's arguments, seals the non-public fields for exactly the entitled members (read from their
on-chain member records), collects the signatures the operation's endorsement policy needs, and submits.
For registrations and extensions it plays the registrar's endorsement step (``register.review``): the
registrar opens the sealed terms with its own key, checks them under the governed parameters on its peer
and co-signs with its verdict. By default the submitter first checks the terms it sealed itself
(``preflight``) and refuses a violation before anything reaches the chain; with ``preflight=False`` the
registrar's negative verdict is recorded on the chain as an invalid transaction with its reason code.

Calls return the ``TxReceipt``; a transaction the contract refused raises exactly the class the contract
raised (``OverPledge``, ``CapExceeded``, ``WrongState``, a ``TermsViolation`` for the registrar's verdict on
the terms ...: ``pledgenet.errors.CODES`` maps the recorded reason code back to it). The refused
transaction stays on the chain, flagged invalid, as every peer saw it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pledgenet.contracts import governance
from pledgenet.contracts.register import keys
from pledgenet.contracts.register.holdings import identity_binding
from pledgenet.crypto.envelope import open_envelope, seal
from pledgenet.errors import AccessDenied, NotFound, UnknownRecord
from pledgenet.register import lookups, review
from pledgenet.register.review import raise_for

if TYPE_CHECKING:
    from pledgenet.ledger.alliance import Alliance
    from pledgenet.ledger.peer import Peer
    from pledgenet.ledger.records import TxReceipt

__all__ = ["RegisterClient", "raise_for"]

#: a transaction ready to sign and submit: ``(tx_type, args, signers)``, the submitter first
Prepared = tuple[str, dict[str, Any], list[str]]


class RegisterClient:
    """Register calls made by member ``org`` of ``alliance`` (which holds every signer's keys)."""

    def __init__(self, alliance: Alliance, org: str) -> None:
        alliance.member(org)
        self.alliance = alliance
        self.org = org

    # ------------------------------------------------------------------ plumbing

    @property
    def peer(self) -> Peer:
        return self.alliance.peer(self.org)

    def members_with(self, role: str) -> list[str]:
        return governance.members_with_role(self.peer, role)

    def registrar(self) -> str:
        registrars = self.members_with("registrar")
        if not registrars:
            raise NotFound("the alliance has no member with the registrar role")
        return registrars[0]

    def param(self, name: str) -> Any:
        return self.peer.get(governance.param_key(name))

    def seal_for(self, readers: list[str], record: Any, purpose: str, *, binding: str) -> dict[str, Any]:
        """Seal ``record`` for ``readers`` plus every registrar and regulator, with on-chain public keys,
        bound to ``binding`` (the registration or account it belongs to)."""
        orgs = sorted({*readers, *self.members_with("registrar"), *self.members_with("regulator")})
        recipients = {}
        for org in orgs:
            member = self.peer.get(governance.member_key(org))
            if member is None:
                raise NotFound(f"{org} is not a member of the alliance")
            recipients[org] = member["encryption_key"]
        return seal(record, recipients, purpose=purpose, binding=binding)

    def _signers(self, co_signers: list[str]) -> list[str]:
        return [self.org, *[org for org in dict.fromkeys(co_signers) if org != self.org]]

    def submit(self, tx_type: str, args: dict[str, Any], co_signers: list[str]) -> TxReceipt:
        return raise_for(self.alliance.submit(tx_type, args, self._signers(co_signers)))

    def submit_prepared(self, prepared: Prepared) -> TxReceipt:
        """Submit one prepared transaction; a refusal raises its reason code."""
        return raise_for(self.alliance.submit(*prepared))

    def submit_many(self, prepared: Sequence[Prepared]) -> list[TxReceipt]:
        """Submit prepared transactions together (cut into blocks by the orderer's limits); the receipts,
        refused ones included, in the same order (nothing raised: look at ``valid`` and ``code``)."""
        return self.alliance.submit_many(list(prepared))

    def _sealed_and_reviewed(
        self, operation: str, args: dict[str, Any], parties: list[str], terms: Mapping[str, Any], check: bool
    ) -> dict[str, Any]:
        """``args`` with ``terms`` sealed for the entitled members and the registrar's verdict on them.

        The verdict's context is derived from ``args`` and chain state (which checks every public argument
        first); with ``check`` the submitter then checks the terms itself over it (``review.preflight``).
        The envelope is bound to the registration the context names.
        """
        context = review.derive_context(self.peer, operation, args, self.alliance.clock())
        if check:
            review.preflight(self.peer, terms, context)
        envelope = self.seal_for(parties, dict(terms), "pledge_terms", binding=context["binding"])
        reviewed = {**args, "terms": envelope}
        verdict = review.registrar_verdict(self.alliance, self.registrar(), operation, reviewed)
        return {**reviewed, "terms_verdict": verdict}

    def _contract(self, contract_no: str) -> dict[str, Any]:
        record = lookups.pledge_contract(self.peer, contract_no)
        if record is None:
            raise UnknownRecord(
                f"no pledge contract {contract_no!r} in the register", code="unknown_contract"
            )
        return record

    def _account(self, account: str) -> dict[str, Any]:
        record = self.peer.get(keys.account(account))
        if record is None:
            raise UnknownRecord(f"no securities account {account!r} in the register", code="unknown_account")
        return dict(record)

    # ------------------------------------------------------------------ the book

    def open_accounts(self, accounts: Sequence[Mapping[str, Any]]) -> TxReceipt:
        """Open accounts; an ``identity`` given in clear is sealed for the custody broker (and registrar,
        regulator) before it leaves this machine."""
        items = []
        for account in accounts:
            item = dict(account)
            identity = item.get("identity")
            if identity is not None and "ciphertext" not in identity:
                item["identity"] = self.seal_for(
                    [item["custody_broker"]], identity, "identity", binding=identity_binding(item["account"])
                )
            items.append(item)
        brokers = sorted({item["custody_broker"] for item in items})
        return self.submit("register.open_accounts", {"accounts": items}, brokers)

    def list_security(self, **security: Any) -> TxReceipt:
        return self.submit("register.list_security", dict(security), [])

    def transfer(
        self,
        *,
        code: str,
        from_account: str,
        to_account: str,
        quantity: int,
        share_class: str = "unrestricted",
    ) -> TxReceipt:
        target_broker = self._account(to_account)["custody_broker"]
        args = {
            "code": code,
            "from_account": from_account,
            "to_account": to_account,
            "quantity": quantity,
            "share_class": share_class,
        }
        return self.submit("register.transfer", args, [target_broker])

    def corporate_action(self, *, code: str, kind: str, **ratio: int) -> TxReceipt:
        return self.submit("register.corporate_action", {"code": code, "kind": kind, **ratio}, [])

    # ------------------------------------------------------------------ pledges

    def pledge(self, **options: Any) -> TxReceipt:
        """Initial pledge (the keyword options of ``pledge_tx``); the caller is the pledgor's custody broker
        or the pledgee. A refusal raises its reason code."""
        return self.submit_prepared(self.pledge_tx(**options))

    def pledge_tx(
        self,
        *,
        contract_no: str,
        account: str,
        code: str,
        quantity: int,
        pledgee: str,
        terms: Mapping[str, Any],
        pledgee_name: str | None = None,
        pledgee_id_number: str | None = None,
        share_class: str = "unrestricted",
        lender_type: str = "00",
        product: str | None = None,
        repays_default_of: str | None = None,
        preflight: bool = True,
    ) -> Prepared:
        """An initial pledge sealed, reviewed by the registrar and ready to sign: ``(type, args, signers)``
        for ``submit_prepared`` or, many at once, ``submit_many`` (one block instead of one each)."""
        broker = self._account(account)["custody_broker"]
        member = self.peer.get(governance.member_key(pledgee)) or {}
        args: dict[str, Any] = {
            "contract_no": contract_no,
            "account": account,
            "code": code,
            "quantity": quantity,
            "share_class": share_class,
            "pledgee": pledgee,
            "pledgee_name": pledgee_name or member.get("name", pledgee),
            "pledgee_id_number": pledgee_id_number or f"USCC-{pledgee}",
            "lender_type": lender_type,
        }
        if product is not None:
            args["product"] = product
        if repays_default_of is not None:
            args["repays_default_of"] = repays_default_of
        args = self._sealed_and_reviewed("pledge", args, [broker, pledgee], terms, preflight)
        registrar = args["terms_verdict"]["registrar"]
        return "register.pledge", args, self._signers([broker, pledgee, registrar])

    def top_up(
        self,
        *,
        contract_no: str,
        quantity: int,
        terms: Mapping[str, Any],
        share_class: str = "unrestricted",
        preflight: bool = True,
    ) -> TxReceipt:
        record = self._contract(contract_no)
        parties = [record["custody_broker"], record["pledgee"]["org"]]
        args: dict[str, Any] = {"contract_no": contract_no, "quantity": quantity, "share_class": share_class}
        args = self._sealed_and_reviewed("top_up", args, parties, terms, preflight)
        return self.submit("register.top_up", args, [*parties, args["terms_verdict"]["registrar"]])

    def release(
        self, *, registration_no: str, quantity: int | None = None, settlement_type: str = "02"
    ) -> TxReceipt:
        record = lookups.pledge(self.peer, registration_no)
        if record is None:
            raise UnknownRecord(f"no pledge registration {registration_no!r}", code="unknown_pledge")
        args: dict[str, Any] = {"registration_no": registration_no, "settlement_type": settlement_type}
        if quantity is not None:
            args["quantity"] = quantity
        return self.submit("register.release", args, [record["custody_unit"], record["pledgee"]["org"]])

    def repurchase(self, *, contract_no: str, early: bool = False) -> TxReceipt:
        record = self._contract(contract_no)
        parties = [record["custody_broker"], record["pledgee"]["org"]]
        return self.submit("register.repurchase", {"contract_no": contract_no, "early": early}, parties)

    def extend(self, *, contract_no: str, terms: Mapping[str, Any], preflight: bool = True) -> TxReceipt:
        record = self._contract(contract_no)
        parties = [record["custody_broker"], record["pledgee"]["org"]]
        args = self._sealed_and_reviewed("extend", {"contract_no": contract_no}, parties, terms, preflight)
        return self.submit("register.extend", args, [*parties, args["terms_verdict"]["registrar"]])

    def declare_default(self, *, contract_no: str, reason: str) -> TxReceipt:
        return self.submit("register.declare_default", {"contract_no": contract_no, "reason": reason}, [])

    def dispose(
        self,
        *,
        registration_no: str,
        mode: str,
        quantity: int | None = None,
        channel: str = "auction",
        to_account: str | None = None,
    ) -> TxReceipt:
        args: dict[str, Any] = {"registration_no": registration_no, "mode": mode, "channel": channel}
        if quantity is not None:
            args["quantity"] = quantity
        if to_account is not None:
            args["to_account"] = to_account
        return self.submit("register.dispose", args, [self.registrar()])

    # ------------------------------------------------------------------ the court

    def freeze(
        self,
        *,
        code: str,
        account: str,
        quantity: int,
        case_no: str,
        queued: bool = False,
        share_class: str = "unrestricted",
    ) -> TxReceipt:
        args = {
            "code": code,
            "account": account,
            "quantity": quantity,
            "case_no": case_no,
            "share_class": share_class,
        }
        return self.submit("register.queue_freeze" if queued else "register.freeze", args, [])

    def unfreeze(self, *, freeze_id: str) -> TxReceipt:
        return self.submit("register.unfreeze", {"freeze_id": freeze_id}, [])

    def judicial_transfer(self, *, freeze_id: str, to_account: str, quantity: int | None = None) -> TxReceipt:
        args: dict[str, Any] = {"freeze_id": freeze_id, "to_account": to_account}
        if quantity is not None:
            args["quantity"] = quantity
        return self.submit("register.judicial_transfer", args, [])

    # ------------------------------------------------------------------ queries

    def holdings(self, *, account: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
        return lookups.holdings(self.peer, account=account, code=code)

    def weekly_statistics(self, *, as_of: str, prices: Mapping[str, int] | None = None) -> dict[str, Any]:
        return lookups.weekly_statistics(self.peer, as_of=as_of, prices=prices)

    def registration(self, registration_no: str, *, open_terms: bool = True) -> dict[str, Any]:
        """A registration's public elements, and its sealed terms opened when this org is entitled."""
        record = lookups.pledge(self.peer, registration_no)
        if record is None:
            raise UnknownRecord(f"no pledge registration {registration_no!r}", code="unknown_pledge")
        view = dict(record)
        if open_terms:
            try:
                view["terms"] = self.open_terms(lookups.sealed_terms(self.peer, record))
            except AccessDenied:
                view["terms"] = "sealed (not entitled)"
        return view

    def open_terms(self, envelope: Mapping[str, Any]) -> Any:
        return open_envelope(envelope, self.org, self.alliance.member(self.org).encryption_private_key)

    def pledge_contract(self, contract_no: str) -> dict[str, Any]:
        return self._contract(contract_no)
