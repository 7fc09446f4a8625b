"""A local etcd cluster on loopback: N members, random free ports, their own data directories.

The ``etcd`` binary is Debian's ``etcd-server`` (3.4.23 in bookworm; ``.ci/run`` installs it). Raft timing
is tightened for a single machine (heartbeat 50 ms, election 500 ms) so a lost leader is replaced within
a second, and ``--max-txn-ops`` is raised to 1024 so a block of 500 envelopes can leave the queue in the
transaction that commits it (``ledger.ordering.etcd``). Members can be stopped, killed and restarted
one by one, for the fault tests.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from pledgenet.devcluster.ports import free_ports
from pledgenet.errors import ConfigError

PACKAGE_HINT = "install Debian's etcd-server package (as root: apt-get install -y etcd-server; .ci/run does)"
MAX_TXN_OPS = 1024


def etcd_binary() -> str:
    found = shutil.which("etcd") or ("/usr/bin/etcd" if Path("/usr/bin/etcd").is_file() else None)
    if found is None:
        raise ConfigError(f"no etcd binary found: {PACKAGE_HINT}")
    return found


class LocalEtcdCluster:
    def __init__(self, directory: Path, members: int = 3) -> None:
        self.binary = etcd_binary()
        self.directory = directory
        ports = free_ports(2 * members)
        self.names = [f"etcd-{i}" for i in range(members)]
        self.client_urls = [f"http://127.0.0.1:{ports[2 * i]}" for i in range(members)]
        self.peer_urls = [f"http://127.0.0.1:{ports[2 * i + 1]}" for i in range(members)]
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * members

    @property
    def endpoints(self) -> list[str]:
        return list(self.client_urls)

    def _argv(self, i: int) -> list[str]:
        initial = ",".join(f"{n}={u}" for n, u in zip(self.names, self.peer_urls, strict=True))
        return [
            self.binary,
            "--name", self.names[i],
            "--data-dir", str(self.directory / self.names[i]),
            "--listen-client-urls", self.client_urls[i],
            "--advertise-client-urls", self.client_urls[i],
            "--listen-peer-urls", self.peer_urls[i],
            "--initial-advertise-peer-urls", self.peer_urls[i],
            "--initial-cluster", initial,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", f"pledgenet-{self.directory.name}",
            "--heartbeat-interval", "50",
            "--election-timeout", "500",
            "--max-txn-ops", str(MAX_TXN_OPS),
            "--logger", "zap",
        ]  # fmt: skip

    def start_member(self, i: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / f"{self.names[i]}.log").open("ab")
        self.processes[i] = subprocess.Popen(self._argv(i), stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def start(self, timeout_s: float = 30.0) -> LocalEtcdCluster:
        for i in range(len(self.names)):
            self.start_member(i)
        self.wait_healthy(range(len(self.names)), timeout_s)
        return self

    def wait_healthy(self, members: range | list[int], timeout_s: float = 30.0) -> None:
        """Until each member answers a linearizable read (it is part of a cluster with a quorum)."""
        deadline = time.monotonic() + timeout_s
        for i in members:
            while True:
                try:
                    answer = httpx.post(
                        self.client_urls[i] + "/v3/kv/range", json={"key": "AA=="}, timeout=1.0
                    )
                    if answer.status_code == 200 and "header" in answer.json():
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise ConfigError(f"etcd member {self.names[i]} did not become healthy: see its log")
                time.sleep(0.1)

    def stop_member(self, i: int, *, kill: bool = False) -> None:
        process = self.processes[i]
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes[i] = None

    def stop(self) -> None:
        for i in range(len(self.names)):
            self.stop_member(i)
