"""A throwaway PostgreSQL server: ``initdb`` into a fresh directory, listening on a loopback port.

PostgreSQL refuses to run as root; when this process is root, the server runs as the ``postgres`` system
user (created by Debian's package) through ``runuser``, in a directory handed to that user. Clients
connect over TCP on 127.0.0.1 as the database superuser ``postgres`` with ``trust`` authentication:
for tests and a local alliance only, never for a deployment (``docs/deploy.md``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from pledgenet.devcluster.ports import free_ports
from pledgenet.errors import ConfigError

PACKAGE_HINT = "install Debian's postgresql package (as root: apt-get install -y postgresql; .ci/run does)"


def postgres_bindir() -> Path:
    """The newest installed ``/usr/lib/postgresql/<version>/bin`` (or ``pg_config --bindir``)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    if versions:
        return versions[-1].parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (bindir / "postgres").is_file():
            return bindir
    raise ConfigError(f"no PostgreSQL server binaries found: {PACKAGE_HINT}")


class LocalPostgres:
    """One server process; ``create_database`` hands out a fresh database URL per peer."""

    def __init__(self, directory: Path | None = None, *, fast: bool = True) -> None:
        self.bindir = postgres_bindir()
        self.owned = directory is None
        self.directory = Path(tempfile.mkdtemp(prefix="pledgenet-pg-")) if directory is None else directory
        self.data = self.directory / "data"
        self.port = free_ports(1)[0]
        #: ``fsync=off``: a test server's crash is never tested; a deployment keeps PostgreSQL's defaults
        self.fast = fast
        self._user = "postgres" if os.geteuid() == 0 else None
        self._databases = 0

    def _as_server_user(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", self._user, "--", *argv] if self._user else argv

    def start(self) -> LocalPostgres:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._user:
            try:
                entry = pwd.getpwnam(self._user)
            except KeyError:
                raise ConfigError(f"no 'postgres' system user to run the server as: {PACKAGE_HINT}") from None
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        run = self._run
        if not (self.data / "PG_VERSION").is_file():
            run([str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--no-locale", "--no-sync"])  # fmt: skip
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        if self.fast:
            options += " -c fsync=off -c full_page_writes=off"
        run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
             str(self.directory / "server.log"), "-w", "-t", "60", "start"])  # fmt: skip
        return self

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(self._as_server_user(argv), capture_output=True, text=True, cwd=self.directory)
        if done.returncode != 0:
            raise ConfigError(f"{Path(argv[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        self._databases += 1
        name = name or f"peer_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            stop = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
            subprocess.run(self._as_server_user(stop), capture_output=True)
        if self.owned:
            shutil.rmtree(self.directory, ignore_errors=True)
