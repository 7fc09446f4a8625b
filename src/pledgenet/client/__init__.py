"""The Python client of a member's node: ``NodeClient`` (the same operations as ``RegisterClient``, plus
the ledger queries, the commit stream and risk views), signing every request with a client credential.

    from pledgenet.client import NodeClient
    with NodeClient("http://127.0.0.1:8760", "alice.credential") as node:
        print(node.node()["height"], node.holdings(code="600100"))
"""

from pledgenet.client.node import NodeBlockSource, NodeClient, raise_problem
from pledgenet.client.signing import RequestSigner

__all__ = ["NodeBlockSource", "NodeClient", "RequestSigner", "raise_problem"]
