"""A one-signature contract the node tests submit through the API: each ``probe.note`` writes one key.

The node and orderer processes load it beside the default contracts (``extra_contracts``), with this
folder on their ``PYTHONPATH``.
"""

from __future__ import annotations

from typing import Any

from pledgenet.ledger.contract_api import Contract, TxContext

probe_contract = Contract(name="probe")


@probe_contract.operation("note")
def note(ctx: TxContext, args: dict[str, Any]) -> Any:
    """Record a note under the submitter's name."""
    ctx.put(f"probe/{ctx.submitter}/{args['ref']}", {"text": args["text"]})
    return None
