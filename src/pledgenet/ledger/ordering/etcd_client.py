"""A small etcd v3 client over etcd's JSON gateway (``/v3/...``) with httpx.

Why not a gRPC client: the gRPC clients for Python either pin old protobuf (``etcd3``) or are young
(``aetcd``); the JSON gateway is part of every etcd server since 3.3, speaks the same API (keys and values
base64, 64-bit integers as strings), and needs nothing but httpx, which pledgenet already uses. We need a
handful of calls: range, put, txn (compare-and-swap), delete, lease grant/keep-alive/revoke, watch,
compaction and status; each is a few lines here.

Every call tries the endpoints in turn, starting with the last one that answered; connection failures and
timeouts move on to the next. When none answers (no quorum: etcd holds linearizable requests until it can
serve them, so they time out) the call raises ``OrderingUnavailable``: the caller knows nothing was done,
or, for a write, that it may have been done (a put of the same key with the same value is harmless).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from pledgenet.errors import OrderingUnavailable


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str | None) -> bytes:
    return base64.b64decode(text) if text else b""


def prefix_end(prefix: bytes) -> bytes:
    """The range end covering every key that starts with ``prefix``."""
    end = bytearray(prefix)
    while end:
        if end[-1] < 0xFF:
            end[-1] += 1
            return bytes(end)
        end.pop()
    return b"\0"


@dataclass(frozen=True)
class KeyValue:
    key: bytes
    value: bytes
    create_revision: int
    mod_revision: int


def _kv(raw: dict[str, Any]) -> KeyValue:
    return KeyValue(
        unb64(raw.get("key")),
        unb64(raw.get("value")),
        int(raw.get("create_revision", 0)),
        int(raw.get("mod_revision", 0)),
    )


class EtcdClient:
    def __init__(self, endpoints: list[str], *, timeout: float = 3.0) -> None:
        if not endpoints:
            raise OrderingUnavailable("no etcd endpoints configured")
        self.endpoints = [endpoint.rstrip("/") for endpoint in endpoints]
        self.timeout = timeout
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 1.0)))
        self._current = 0

    def close(self) -> None:
        self._http.close()

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        errors = []
        for attempt in range(len(self.endpoints)):
            index = (self._current + attempt) % len(self.endpoints)
            try:
                response = self._http.post(self.endpoints[index] + path, json=body)
            except httpx.HTTPError as exc:
                errors.append(f"{self.endpoints[index]}: {type(exc).__name__}")
                continue
            if response.status_code != 200:
                errors.append(f"{self.endpoints[index]}: {response.status_code} {response.text[:200]}")
                continue
            self._current = index
            result: dict[str, Any] = response.json()
            return result
        raise OrderingUnavailable(f"etcd did not answer {path}: {'; '.join(errors)}")

    # ------------------------------------------------------------------ keys

    def range(
        self,
        key: bytes,
        range_end: bytes | None = None,
        *,
        limit: int = 0,
        descending: bool = False,
        by_create: bool = False,
        keys_only: bool = False,
        count_only: bool = False,
    ) -> tuple[int, list[KeyValue], int]:
        """``(revision, key-values, count)`` of ``[key, range_end)`` (one key without ``range_end``)."""
        body: dict[str, Any] = {
            "key": b64(key),
            "limit": limit,
            "keys_only": keys_only,
            "count_only": count_only,
        }
        if range_end is not None:
            body["range_end"] = b64(range_end)
        if descending or by_create:
            body["sort_order"] = "DESCEND" if descending else "ASCEND"
            body["sort_target"] = "CREATE" if by_create else "KEY"
        answer = self.call("/v3/kv/range", body)
        kvs = [_kv(raw) for raw in answer.get("kvs", [])]
        return int(answer["header"].get("revision", 0)), kvs, int(answer.get("count", 0))

    def put(self, key: bytes, value: bytes, *, lease: int = 0) -> int:
        body: dict[str, Any] = {"key": b64(key), "value": b64(value)}
        if lease:
            body["lease"] = str(lease)
        return int(self.call("/v3/kv/put", body)["header"].get("revision", 0))

    def txn(
        self,
        compare: list[dict[str, Any]],
        success: list[dict[str, Any]],
        failure: list[dict[str, Any]] | None = None,
    ) -> tuple[bool, dict[str, Any]]:
        answer = self.call("/v3/kv/txn", {"compare": compare, "success": success, "failure": failure or []})
        return bool(answer.get("succeeded", False)), answer

    def compact(self, revision: int) -> None:
        self.call("/v3/kv/compaction", {"revision": str(revision), "physical": False})

    # ------------------------------------------------------------------ leases

    def lease_grant(self, ttl_s: int) -> int:
        answer = self.call("/v3/lease/grant", {"TTL": str(ttl_s)})
        if answer.get("error"):
            raise OrderingUnavailable(f"etcd refused a lease: {answer['error']}")
        return int(answer["ID"])

    def lease_keepalive(self, lease: int) -> int:
        """Renew ``lease``; returns its new TTL in seconds (0: it had already expired)."""
        answer = self.call("/v3/lease/keepalive", {"ID": str(lease)})
        return int(answer.get("result", {}).get("TTL", 0))

    def lease_revoke(self, lease: int) -> None:
        self.call("/v3/lease/revoke", {"ID": str(lease)})

    # ------------------------------------------------------------------ watch

    def watch(self, prefix: bytes, start_revision: int, *, wait_s: float) -> Iterator[KeyValue]:
        """Puts under ``prefix`` from ``start_revision`` on, until ``wait_s`` passes without one.

        Raises ``OrderingUnavailable`` when no endpoint answers, and ``Compacted`` when etcd no longer
        holds ``start_revision`` (the caller reads the current state instead).
        """
        body = {
            "create_request": {
                "key": b64(prefix),
                "range_end": b64(prefix_end(prefix)),
                "start_revision": str(start_revision),
                "filters": ["NODELETE"],
            }
        }
        endpoint = self.endpoints[self._current]
        timeout = httpx.Timeout(wait_s, connect=min(self.timeout, 1.0))
        try:
            with self._http.stream("POST", endpoint + "/v3/watch", json=body, timeout=timeout) as response:
                for line in response.iter_lines():
                    if not line.strip():
                        continue
                    result = json.loads(line).get("result", {})
                    if result.get("canceled"):
                        raise Compacted(int(result.get("compact_revision", 0)))
                    for event in result.get("events", []):
                        yield _kv(event["kv"])
        except httpx.ReadTimeout:
            return
        except httpx.HTTPError as exc:
            self._current = (self._current + 1) % len(self.endpoints)
            raise OrderingUnavailable(f"etcd watch on {endpoint} failed: {type(exc).__name__}") from None


class Compacted(OrderingUnavailable):
    """A watch asked for a revision etcd has compacted away."""

    def __init__(self, compact_revision: int) -> None:
        super().__init__(f"etcd compacted its log up to revision {compact_revision}")
        self.compact_revision = compact_revision
