"""A member's node as its own process: peer + store, block intake from etcd, the member's HTTP API.

    pledgenet node run --config node.toml            (or python -m pledgenet.node.run --config node.toml)

The settings (``node.settings``) are validated before anything starts. Block intake runs in a thread;
uvicorn serves the API (``api.app.create_app`` over ``NodeMember``) in the main thread. SIGTERM or Ctrl-C
stop both cleanly. When the peer refuses a block (a state divergence after its database was changed, a
block that does not verify) the node halts: it prints ``HALTED [code] message`` to stderr, stops serving
and exits with status 3, so a supervisor does not restart it into the same divergence silently.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

import uvicorn

from pledgenet.api import clients
from pledgenet.api.app import create_app
from pledgenet.api.core.config import ApiSettings
from pledgenet.api.server import bind, url_of
from pledgenet.crypto.signing import PARALLEL_THRESHOLD, RECORD, shared_verifier
from pledgenet.errors import PledgenetError
from pledgenet.node.member import NodeMember
from pledgenet.node.settings import NodeSettings, load_contracts, load_settings

#: exit status of a node that halted on a block it cannot agree with
HALTED = 3


def run_node(settings: NodeSettings) -> int:
    """Serve until SIGTERM / Ctrl-C (0) or until the peer halts (``HALTED``)."""
    node = NodeMember(settings, contracts=load_contracts(settings.extra_contracts))
    stop = threading.Event()
    try:
        api_settings = ApiSettings(host=settings.host, port=settings.port, poll_s=settings.poll_s)
        directory, org = settings.alliance_dir, settings.org
        app = create_app(node, api_settings, revoked=lambda: clients.revoked_serials(directory, org))
        # the verification pool forks before the socket exists, so no worker inherits the listening socket
        shared_verifier().start(bytes(RECORD) * PARALLEL_THRESHOLD).result()
        sock = bind(settings.host, settings.port)
        config = uvicorn.Config(
            app, log_level=settings.log_level, access_log=False, timeout_graceful_shutdown=2, lifespan="off"
        )
        server = uvicorn.Server(config)

        def halt() -> None:
            server.should_exit = True

        intake = threading.Thread(target=node.follow, args=(stop, halt), name="block-intake", daemon=True)
        intake.start()
        # plain lines: ``pledgenet cluster up`` and supervisors read the URL from the log
        print(f"NODE {org} of alliance {node.alliance_id} at height {node.height}", flush=True)
        print(f"API {url_of(sock)}/api/v1", flush=True)
        server.run(sockets=[sock])
        stop.set()
        intake.join(timeout=10)
        if node.halted:
            print(f"HALTED [{node.halted_code}] {org}'s node: {node.halted}", file=sys.stderr, flush=True)
            return HALTED
        return 0
    finally:
        stop.set()
        node.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pledgenet.node.run", description=__doc__)
    parser.add_argument("--config", type=Path, help="the node's TOML settings")
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    try:
        return run_node(load_settings(args.config, port=args.port))
    except PledgenetError as error:
        print(f"node stopped: [{error.code}] {error.message}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
