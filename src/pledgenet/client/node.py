"""``NodeClient``: a member's node over HTTP, with ``RegisterClient``'s calls and the ledger's queries.

Every call signs its request with the client credential (``RequestSigner``). Operations return the
``TxReceipt`` as ``RegisterClient`` does; a refusal raises the same ``PledgenetError`` class with the
same reason code and message (read from the problem+json the node answers), so code written against
``RegisterClient`` works against a node.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from pledgenet import errors
from pledgenet.client.signing import RequestSigner
from pledgenet.crypto.client_credential import ClientCredential
from pledgenet.errors import ConfigError
from pledgenet.ledger.block import Block
from pledgenet.ledger.records import TxReceipt

API = "/api/v1"

#: fallback classes by HTTP status, for codes that are not a class's own (contract reason codes)
_BY_STATUS: dict[int, type[errors.PledgenetError]] = {
    400: errors.MalformedTransaction,
    401: errors.NotAuthenticated,
    403: errors.AccessDenied,
    404: errors.NotFound,
    409: errors.ContractError,
    422: errors.ContractError,
    500: errors.PledgenetError,
    503: errors.StateDivergence,
}


def raise_problem(response: httpx.Response) -> None:
    """Raise a problem+json answer as the ``PledgenetError`` it stands for (nothing for a success)."""
    if response.is_success:
        return
    try:
        problem = response.json()
        code, detail = str(problem["code"]), str(problem["detail"])
    except (ValueError, KeyError, TypeError):
        code, detail = "http_error", f"HTTP {response.status_code}: {response.text[:200]}"
    kind: type[errors.PledgenetError]
    if response.status_code == 401:  # whatever check refused the credentials (its code says which)
        kind = errors.NotAuthenticated
    elif code in errors.CODES:  # exactly the class that raised it (``errors.refusal``)
        kind = errors.CODES[code]
    else:
        kind = _BY_STATUS.get(response.status_code, errors.PledgenetError)
    raise kind(detail, code=code)


def _receipt(data: Mapping[str, Any]) -> TxReceipt:
    fields = (
        "tx_id",
        "height",
        "index",
        "valid",
        "code",
        "message",
        "tx_type",
        "submitter",
        "events",
        "result",
    )
    return TxReceipt(**{name: data[name] for name in fields})


class NodeClient:
    """Calls to one member's node as one of its clients."""

    def __init__(
        self,
        base_url: str,
        credential: ClientCredential | Path | str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 60.0,
    ) -> None:
        """``http``: an httpx client to send through (e.g. Starlette's ``TestClient`` of an app in
        process); by default a new one for ``base_url``."""
        if not isinstance(credential, ClientCredential):
            credential = ClientCredential.load(credential)
        self.credential = credential
        self.http = http if http is not None else httpx.Client(base_url=base_url, timeout=timeout)
        try:
            health = self.http.get("/health")
        except httpx.TransportError as error:
            self.http.close()
            raise ConfigError(f"cannot reach a pledgenet node at {base_url}: {error}") from None
        raise_problem(health)
        #: the member whose node this is (its name goes into every signature)
        self.org = str(health.json()["org"])
        self.http.auth = RequestSigner(credential, self.org)

    # ------------------------------------------------------------------ plumbing

    def request(self, method: str, path: str, **options: Any) -> Any:
        """One signed call; its answer's JSON, or its problem raised as the error it stands for."""
        try:
            response = self.http.request(method, API + path, **options)
        except httpx.TransportError as error:
            raise ConfigError(f"lost the pledgenet node at {self.http.base_url}: {error}") from None
        raise_problem(response)
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.request(
            "GET", path, params={name: value for name, value in params.items() if value is not None}
        )

    def post(self, path: str, body: Mapping[str, Any], **params: Any) -> Any:
        return self.request("POST", path, json=dict(body), params=params)

    def _operation(self, path: str, body: Mapping[str, Any]) -> TxReceipt:
        return _receipt(self.post("/register" + path, body))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ ledger

    def node(self) -> dict[str, Any]:
        result: dict[str, Any] = self.get("/node")
        return result

    def submit_envelope(self, envelope: bytes, *, wait: bool = True) -> dict[str, Any]:
        """Submit one signed envelope; with ``wait`` the answer holds the receipt."""
        result: dict[str, Any] = self.post("/transactions", {"envelope": envelope.decode()}, wait=wait)
        return result

    def submit_envelopes(self, envelopes: list[bytes], *, wait: bool = True) -> list[dict[str, Any]]:
        body = {"envelopes": [envelope.decode() for envelope in envelopes]}
        result: list[dict[str, Any]] = self.post("/transactions/batch", body, wait=wait)
        return result

    def receipt(self, tx_id: str, *, wait_s: float = 0.0) -> TxReceipt:
        return _receipt(self.get(f"/receipts/{tx_id}", wait_s=wait_s))

    def blocks(self, *, start: int | None = None, limit: int = 20) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/blocks", start=start, limit=limit)
        return result

    def block(self, height: int) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/blocks/{height}")
        return result

    def block_wire(self, height: int) -> Block:
        """A whole block as the node stores it (decoded; its checks are the caller's: ``Peer.apply_block``
        or ``client.proofs``)."""
        try:
            response = self.http.get(f"{API}/blocks/{height}/wire")
        except httpx.TransportError as error:
            raise ConfigError(f"lost the pledgenet node at {self.http.base_url}: {error}") from None
        raise_problem(response)
        return Block.decode(response.content)

    def blocks_between(self, start: int, stop: int) -> Iterator[Block]:
        """Blocks ``[start, stop)`` (a ``ledger.ordering.intake.BlockSource`` over this node)."""
        for height in range(start, stop):
            yield self.block_wire(height)

    def tx(self, tx_id: str) -> dict[str, Any]:
        """A transaction with its receipt, envelope and Merkle proof."""
        result: dict[str, Any] = self.get(f"/transactions/{tx_id}")
        return result

    def proven_tx(self, tx_id: str, *, genesis_hash: str) -> dict[str, Any]:
        """``tx`` checked against the chain from the trusted ``genesis_hash`` (``client.proofs``)."""
        from pledgenet.client.proofs import proven_tx

        return proven_tx(self, tx_id, genesis_hash=genesis_hash)

    def get_state(self, key: str) -> Any:
        """The current value of ``key`` (``NotFound`` when none)."""
        return self.get(f"/state/{key}")["value"]

    def range(self, prefix: str, *, limit: int = 1000) -> list[tuple[str, Any]]:
        return [(row["key"], row["value"]) for row in self.get("/state", prefix=prefix, limit=limit)]

    def history(self, key: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get(f"/history/{key}")
        return result

    def commits(
        self, *, from_height: int | None = None, max_blocks: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """The node's commit stream (server-sent events): one dict per committed block, with receipts."""
        params = {name: value for name, value in (("from_height", from_height), ("max_blocks", max_blocks))
                  if value is not None}  # fmt: skip
        with self.http.stream("GET", API + "/events", params=params, timeout=None) as response:
            if not response.is_success:
                response.read()
                raise_problem(response)
            data: list[str] = []
            for line in response.iter_lines():
                if line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line and data:
                    yield json.loads("\n".join(data))
                    data = []

    # ------------------------------------------------------------------ register: the book

    def open_accounts(self, accounts: list[Mapping[str, Any]]) -> TxReceipt:
        return self._operation("/accounts", {"accounts": [dict(account) for account in accounts]})

    def list_security(self, **security: Any) -> TxReceipt:
        return self._operation("/securities", security)

    def transfer(
        self,
        *,
        code: str,
        from_account: str,
        to_account: str,
        quantity: int,
        share_class: str = "unrestricted",
    ) -> TxReceipt:
        body = {"code": code, "from_account": from_account, "to_account": to_account, "quantity": quantity,
                "share_class": share_class}  # fmt: skip
        return self._operation("/transfers", body)

    def corporate_action(self, *, code: str, kind: str, **ratio: int) -> TxReceipt:
        return self._operation("/corporate-actions", {"code": code, "kind": kind, **ratio})

    # ------------------------------------------------------------------ register: pledges

    def pledge(self, *, terms: Mapping[str, Any], **options: Any) -> TxReceipt:
        """Initial pledge (``RegisterClient.pledge``'s options; ``terms`` as ``make_terms`` makes them)."""
        return self._operation("/pledges", {**options, "terms": dict(terms)})

    def top_up(
        self, *, contract_no: str, quantity: int, terms: Mapping[str, Any], **options: Any
    ) -> TxReceipt:
        return self._operation(
            f"/contracts/{contract_no}/top-up", {"quantity": quantity, "terms": dict(terms), **options}
        )

    def release(
        self, *, registration_no: str, quantity: int | None = None, settlement_type: str = "02"
    ) -> TxReceipt:
        body = {"quantity": quantity, "settlement_type": settlement_type}
        return self._operation(f"/pledges/{registration_no}/release", body)

    def repurchase(self, *, contract_no: str, early: bool = False) -> TxReceipt:
        return self._operation(f"/contracts/{contract_no}/repurchase", {"early": early})

    def extend(self, *, contract_no: str, terms: Mapping[str, Any], preflight: bool = True) -> TxReceipt:
        return self._operation(
            f"/contracts/{contract_no}/extend", {"terms": dict(terms), "preflight": preflight}
        )

    def declare_default(self, *, contract_no: str, reason: str) -> TxReceipt:
        return self._operation(f"/contracts/{contract_no}/default", {"reason": reason})

    def dispose(self, *, registration_no: str, mode: str, **options: Any) -> TxReceipt:
        return self._operation(f"/pledges/{registration_no}/dispose", {"mode": mode, **options})

    # ------------------------------------------------------------------ register: the court

    def freeze(self, *, code: str, account: str, quantity: int, case_no: str, queued: bool = False,
               share_class: str = "unrestricted") -> TxReceipt:  # fmt: skip
        body = {"code": code, "account": account, "quantity": quantity, "case_no": case_no, "queued": queued,
                "share_class": share_class}  # fmt: skip
        return self._operation("/freezes", body)

    def unfreeze(self, *, freeze_id: str) -> TxReceipt:
        return self._operation(f"/freezes/{freeze_id}/lift", {})

    def judicial_transfer(self, *, freeze_id: str, to_account: str, quantity: int | None = None) -> TxReceipt:
        body = {"to_account": to_account, "quantity": quantity}
        return self._operation(f"/freezes/{freeze_id}/judicial-transfer", body)

    # ------------------------------------------------------------------ register: views and queries

    def holdings(self, *, account: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/register/holdings", account=account, code=code)
        return result

    def weekly_statistics(self, *, as_of: str, prices: Mapping[str, int] | None = None) -> dict[str, Any]:
        price = [f"{code}={fen}" for code, fen in (prices or {}).items()] or None
        result: dict[str, Any] = self.get("/register/statistics/weekly", as_of=as_of, price=price)
        return result

    def registration(self, registration_no: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/register/pledges/{registration_no}")
        return result

    def pledge_contract(self, contract_no: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/register/contracts/{contract_no}")
        return result

    def securities(self, code: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/register/securities", code=code)
        return result

    def account(self, account_no: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/register/accounts/{account_no}")
        return result

    def pledges(self, *, code: str | None = None, account: str | None = None,
                include_closed: bool = False) -> list[dict[str, Any]]:  # fmt: skip
        result: list[dict[str, Any]] = self.get(
            "/register/pledges", code=code, account=account, include_closed=include_closed
        )
        return result

    def freeze_queue(self, code: str, account_no: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/register/freeze-queue/{code}/{account_no}")
        return result

    def events(self, *, since_height: int = 0, names: list[str] | None = None, code: str | None = None,
               account: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
        result: list[dict[str, Any]] = self.get(
            "/register/events", since_height=since_height, name=names or None, code=code, account=account
        )
        return result

    # ------------------------------------------------------------------ governance and market

    def members(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/gov/members")
        return result

    def params(self) -> dict[str, Any]:
        result: dict[str, Any] = self.get("/gov/params")
        return result

    def proposals(self, *, status: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/gov/proposals", status=status)
        return result

    def propose(self, action: Mapping[str, Any]) -> TxReceipt:
        return _receipt(self.post("/gov/proposals", {"action": dict(action)}))

    def vote(self, proposal_id: str, *, approve: bool) -> TxReceipt:
        return _receipt(self.post(f"/gov/proposals/{proposal_id}/vote", {"approve": approve}))

    def closes(self, date: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self.get("/market/closes", date=date or None)
        return result

    def publish_closes(
        self, *, trade_date: str, closes: Mapping[str, int], suspended: list[str] | None = None
    ) -> TxReceipt:
        body = {"trade_date": trade_date, "closes": dict(closes), "suspended": suspended or []}
        return _receipt(self.post("/market/closes", body))

    def notices(self, code: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/market/notices", code=code)
        return result

    def publish_notice(self, **notice: Any) -> TxReceipt:
        return _receipt(self.post("/market/notices", notice))

    # ------------------------------------------------------------------ risk

    def risk(self, view: str = "contracts", **params: Any) -> dict[str, Any]:
        """A risk view: ``contracts``, ``views/<by>``, ``stress``, ``cascade``, ``alerts``."""
        result: dict[str, Any] = self.get(f"/risk/{view}", **params)
        return result


class NodeBlockSource:
    """Another member's node as a ``ledger.ordering.intake.BlockSource``: the blocks a lagging peer
    catches up with (it checks each one itself in ``Peer.apply_block``)."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def blocks(self, start: int, stop: int) -> Iterator[Block]:
        return self.node.blocks_between(start, stop)
