"""A local alliance as separate processes: ``pledgenet cluster up / status / down``.

``LocalAlliance(DIR).up()`` creates, under ``DIR``::

    alliance/                 the alliance (``init_alliance``: root, orderer identity, members' keys, genesis)
    etcd/etcd-<i>/ + .log     a 3-member etcd cluster on loopback (``devcluster.etcd``)
    postgres/                 one PostgreSQL server when ``store="postgresql"`` (a database per peer; as
                              root in a temporary directory the postgres user can reach)
    orderers/<name>/          orderer processes (at the registrar and the exchange): store + log
    nodes/<org>/              one node per member: node.toml, peer.db (SQLite), node.log, client.credential
    cluster.json              what runs where (pids, URLs, stores), read by ``status`` and ``down``

and waits until every node has applied the genesis block. Every process gets its own data directory,
port and log; a later ``pledgenet cluster status DIR`` (another process) reads ``cluster.json``. Nodes catch
up past etcd's retained log from the other members' stores (read-only), the orderers from the seed store.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx

from pledgenet.api import clients
from pledgenet.contracts.catalog import init_alliance
from pledgenet.demo.members import MEMBERS
from pledgenet.devcluster.etcd import LocalEtcdCluster
from pledgenet.devcluster.ports import free_ports
from pledgenet.devcluster.postgres import LocalPostgres
from pledgenet.errors import ConfigError, OrderingUnavailable
from pledgenet.ledger.alliance import now_ms, read_config
from pledgenet.ledger.ordering.etcd import EtcdLayout
from pledgenet.ledger.ordering.etcd_client import EtcdClient, prefix_end

CLUSTER_FILE = "cluster.json"
STORES = ("sqlite", "postgresql")
#: orderer processes run at these members (when they are in the alliance)
ORDERER_SITES = ("registrar", "exchange")


def _toml(settings: dict[str, Any]) -> str:
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    with suppress(OSError):  # a zombie child of this process is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return True


class LocalAlliance:
    """The processes of a local alliance, started, stopped and looked at from Python."""

    def __init__(
        self,
        directory: Path | str,
        *,
        members: int = 3,
        store: str = "sqlite",
        retain_blocks: int = 1000,
        compact_every: int = 100,
        timeout_ms: int = 50,
        extra_contracts: list[str] | None = None,
        pythonpath: list[str] | None = None,
    ) -> None:
        if store not in STORES:
            raise ConfigError(f"store {store!r}: choose one of {', '.join(STORES)}")
        if not 1 <= members <= len(MEMBERS):
            raise ConfigError(f"--members must be between 1 and {len(MEMBERS)}")
        self.directory = Path(directory).resolve()
        self.store = store
        self.specs = MEMBERS[:members]
        self.orgs = [spec.org for spec in self.specs]
        self.retain_blocks, self.compact_every, self.timeout_ms = retain_blocks, compact_every, timeout_ms
        self.extra_contracts = list(extra_contracts or [])
        self.pythonpath = list(pythonpath or [])
        self.state: dict[str, Any] = {}
        self.etcd: LocalEtcdCluster | None = None
        self.postgres: LocalPostgres | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    # ------------------------------------------------------------------ paths

    @property
    def alliance_dir(self) -> Path:
        return self.directory / "alliance"

    @property
    def seed_store(self) -> Path:
        return self.alliance_dir / "orgs" / self.orgs[0] / "peer.db"

    def node_dir(self, org: str) -> Path:
        return self.directory / "nodes" / org

    def url(self, org: str) -> str:
        return str(self.state["nodes"][org]["url"])

    def credential(self, org: str) -> Path:
        return Path(self.state["nodes"][org]["credential"])

    def node_store(self, org: str) -> str:
        return str(self.state["nodes"][org]["store"])

    # ------------------------------------------------------------------ up

    def up(self, timeout_s: float = 120.0) -> LocalAlliance:
        if self.directory.exists() and not self.directory.is_dir():
            raise ConfigError(f"{self.directory} is not a directory")
        if self.directory.exists() and any(self.directory.iterdir()):
            raise ConfigError(f"{self.directory} exists and is not empty")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"cannot create {self.directory}: {error.strerror}") from None
        init_alliance(self.alliance_dir, self.specs).close()
        self.etcd = LocalEtcdCluster(self.directory / "etcd").start()
        self.state = {"members": self.orgs, "store": self.store, "etcd": self.etcd.endpoints}
        self.state["alliance"] = read_config(self.alliance_dir).alliance
        if self.store == "postgresql":
            # as root the server runs as the postgres user, which may not reach DIR: a directory of its own
            self.postgres = LocalPostgres(None if os.geteuid() == 0 else self.directory / "postgres").start()
            self.state["postgres_dir"] = str(self.postgres.directory)
        ports = free_ports(len(self.orgs))
        self.state["nodes"] = {}
        stores = {org: self._new_store(org) for org in self.orgs}
        for org, port in zip(self.orgs, ports, strict=True):
            folder = self.node_dir(org)
            folder.mkdir(parents=True)
            credential = folder / "client.credential"
            clients.issue(self.alliance_dir, org, name=f"{org}-cli", now_ms=now_ms(), out=credential)
            others = [stores[other] for other in self.orgs if other != org] + [str(self.seed_store)]
            settings = {
                "org": org,
                "alliance_dir": str(self.alliance_dir),
                "store": stores[org],
                "etcd": self.etcd.endpoints,
                "catch_up": others,
                "port": port,
                "extra_contracts": self.extra_contracts,
            }
            (folder / "node.toml").write_text(_toml(settings))
            self.state["nodes"][org] = {
                "url": f"http://127.0.0.1:{port}",
                "store": stores[org],
                "credential": str(credential),
                "log": str(folder / "node.log"),
            }
        self.state["orderers"] = {}
        for site in [s for s in ORDERER_SITES if s in self.orgs] or [self.orgs[0]]:
            name = f"orderer-{site}"
            folder = self.directory / "orderers" / name
            folder.mkdir(parents=True)
            self.state["orderers"][name] = {
                "store": self._new_store(name),
                "log": str(folder / "orderer.log"),
            }
        self.state["pids"] = {}
        for name in self.state["orderers"]:
            self.start_orderer(name)
        for org in self.orgs:
            self.start_node(org)
        self._save()
        self.wait_healthy(timeout_s)
        return self

    def _new_store(self, name: str) -> str:
        if self.postgres is not None:
            return self.postgres.create_database(name.replace("-", "_"))
        folder = self.node_dir(name) if name in self.orgs else self.directory / "orderers" / name
        return str(folder / "peer.db")

    def _spawn(self, name: str, argv: list[str], log: str) -> None:
        env = dict(os.environ)
        if self.pythonpath:
            env["PYTHONPATH"] = os.pathsep.join([*self.pythonpath, env.get("PYTHONPATH", "")])
        with open(log, "ab") as out:
            process = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env
            )
        self.processes[name] = process
        self.state["pids"][name] = process.pid
        self._save()

    def start_orderer(self, name: str) -> None:
        info = self.state["orderers"][name]
        argv = [
            sys.executable, "-m", "pledgenet.node.orderer", "--alliance-dir", str(self.alliance_dir),
            "--name", name, "--store", info["store"], "--endpoints", ",".join(self.state["etcd"]),
            "--catch-up", str(self.seed_store), "--timeout-ms", str(self.timeout_ms),
            "--retain-blocks", str(self.retain_blocks), "--compact-every", str(self.compact_every),
        ]  # fmt: skip
        for contract in self.extra_contracts:
            argv += ["--contract", contract]
        self._spawn(name, argv, info["log"])

    def start_node(self, org: str) -> None:
        config = self.node_dir(org) / "node.toml"
        argv = [sys.executable, "-m", "pledgenet.node.run", "--config", str(config)]
        self._spawn(org, argv, self.state["nodes"][org]["log"])

    def stop_process(self, name: str, *, kill: bool = False, timeout_s: float = 20) -> int | None:
        """SIGTERM (or SIGKILL) one process and wait for it; its exit status (None: it was not running)."""
        process = self.processes.pop(name, None)
        pid = self.state.get("pids", {}).pop(name, None)
        self._save()
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                return process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                return process.wait()
        if pid is not None and _alive(pid):  # started by another process (cluster up, then down)
            os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        return None

    # ------------------------------------------------------------------ looking

    def health(self, org: str) -> dict[str, Any] | None:
        try:
            answer = httpx.get(self.url(org) + "/health", timeout=2.0)
        except httpx.HTTPError:
            return None
        return dict(answer.json()) if answer.status_code == 200 else None

    def wait_healthy(self, timeout_s: float = 120.0, orgs: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout_s
        for org in orgs or self.orgs:
            while (health := self.health(org)) is None or int(health["height"]) < 0:
                process = self.processes.get(org)
                if process is not None and process.poll() is not None:
                    raise ConfigError(f"{org}'s node exited ({process.returncode}): see {self.node_log(org)}")
                if time.monotonic() > deadline:
                    raise ConfigError(f"{org}'s node is not healthy after {timeout_s:.0f} s: see its log")
                time.sleep(0.1)

    def node_log(self, org: str) -> Path:
        return Path(self.state["nodes"][org]["log"])

    def chain(self) -> tuple[int, str | None]:
        """etcd's top height and the current orderer leader (raises ``OrderingUnavailable``)."""
        client = EtcdClient(self.state["etcd"], timeout=2.0)
        try:
            layout = EtcdLayout(self.state["alliance"])
            kvs = client.range(
                layout.blocks, prefix_end(layout.blocks), limit=1, descending=True, keys_only=True
            )[1]
            top = layout.height_of(kvs[0].key) if kvs else -1
            leader = client.range(layout.leader)[1]
            return top, leader[0].value.decode().split("/")[0] if leader else None
        finally:
            client.close()

    def status(self) -> dict[str, Any]:
        """Heights, leader and lag per node (lag: blocks behind etcd's top)."""
        try:
            top, leader = self.chain()
        except OrderingUnavailable:
            top, leader = -1, None
        pids = self.state.get("pids", {})
        rows = []
        for org in self.orgs:
            health = self.health(org)
            height = None if health is None else int(health["height"])
            rows.append({
                "org": org, "url": self.url(org), "running": org in pids and _alive(pids[org]),
                "height": height, "lag": None if height is None or top < 0 else top - height,
            })  # fmt: skip
        orderers = [{"name": n, "running": n in pids and _alive(pids[n])} for n in self.state["orderers"]]
        return {"etcd_top": top, "leader": leader, "nodes": rows, "orderers": orderers}

    # ------------------------------------------------------------------ down

    def down(self) -> None:
        """Stop the nodes, the orderers, etcd and PostgreSQL (SIGTERM: each shuts down cleanly)."""
        if not self.state and self.etcd is None:
            return  # ``up`` was refused before it started anything: nothing to stop, nothing to write
        for org in self.orgs:
            self.stop_process(org)
        for name in list(self.state.get("orderers", {})):
            self.stop_process(name)
        if self.etcd is not None:
            self.etcd.stop()
        etcd_pids = [pid for pid in self.state.pop("etcd_pids", []) if _alive(pid)]
        for pid in etcd_pids:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in etcd_pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.postgres is not None:
            self.postgres.stop()
        elif "postgres_dir" in self.state:
            LocalPostgres(Path(self.state["postgres_dir"])).stop()
            if Path(self.state["postgres_dir"]) != self.directory / "postgres":
                shutil.rmtree(self.state["postgres_dir"], ignore_errors=True)
        self.state["down"] = True
        self._save()

    def _save(self) -> None:
        if self.etcd is not None:
            self.state["etcd_pids"] = [p.pid for p in self.etcd.processes if p is not None]
        if self.state:
            (self.directory / CLUSTER_FILE).write_text(json.dumps(self.state, indent=2))

    @classmethod
    def attach(cls, directory: Path | str) -> LocalAlliance:
        """The local alliance ``cluster up`` started in ``directory`` (from its ``cluster.json``)."""
        path = Path(directory) / CLUSTER_FILE
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            raise ConfigError(f"{directory} holds no local alliance (no readable {CLUSTER_FILE})") from None
        local = cls(directory, members=len(state["members"]), store=state["store"])
        local.state = state
        return local
