"""A member node's settings: one typed object (pydantic-settings), validated before anything starts.

Sources, later ones winning: the TOML file given with ``--config``, the environment (prefix
``PLEDGENET_NODE_``, e.g. ``PLEDGENET_NODE_PORT=8801``; lists as JSON, e.g.
``PLEDGENET_NODE_ETCD='["http://10.0.0.1:2379"]'``), then command-line flags. An example ``node.toml``::

    org = "bank-01"
    alliance_dir = "/etc/pledgenet/alliance"       # alliance.json, orgs/bank-01/ (keys, client list)
    store = "postgresql://pledgenet@db/bank01"     # or a SQLite path
    etcd = ["http://etcd-1:2379", "http://etcd-2:2379", "http://etcd-3:2379"]
    catch_up = ["/mnt/registrar/peer.db"]          # other members' block stores, read-only
    host = "0.0.0.0"
    port = 8801
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pledgenet.errors import ConfigError
from pledgenet.ledger.contract_api import Contract

ENV_PREFIX = "PLEDGENET_NODE_"


class NodeSettings(BaseSettings):
    """Everything one member's node needs to run."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    org: str = Field(min_length=1, description="the member organisation this node belongs to")
    alliance_dir: Path = Field(description="alliance.json and this member's orgs/<org>/ folder")
    store: str = Field(min_length=1, description="the peer's store: a SQLite path or a postgresql:// URL")
    etcd: list[str] = Field(min_length=1, description="etcd client URLs of the ordering cluster")
    catch_up: list[str] = Field(default_factory=list, description="other members' block stores")
    host: str = "127.0.0.1"
    port: int = Field(default=8760, ge=0, le=65535)
    #: how often receipt waits and event streams look for newly applied blocks, seconds
    poll_s: float = Field(default=0.02, gt=0, le=5)
    #: the longest one intake wait on etcd's watch, seconds
    watch_s: float = Field(default=0.5, gt=0, le=30)
    log_level: str = "warning"
    #: contracts loaded beside the default ones, as ``module:attribute`` (benchmarks, tests); every peer
    #: and orderer of an alliance must load the same set
    extra_contracts: list[str] = Field(default_factory=list)

    @field_validator("etcd")
    @classmethod
    def _urls(cls, endpoints: list[str]) -> list[str]:
        for endpoint in endpoints:
            if not endpoint.startswith(("http://", "https://")):
                raise ValueError(f"etcd endpoint {endpoint!r} is not an http(s) URL")
        return endpoints

    def check(self) -> NodeSettings:
        """Guards that need the file system: the alliance directory and the member's keys are there."""
        if not (self.alliance_dir / "alliance.json").is_file():
            raise ConfigError(f"{self.alliance_dir} holds no alliance.json")
        if not (self.alliance_dir / "orgs" / self.org / "certificate.pem").is_file():
            raise ConfigError(f"{self.alliance_dir} holds no keys of member {self.org!r} (orgs/{self.org}/)")
        return self


def load_settings(config: Path | None = None, **flags: Any) -> NodeSettings:
    """The node's settings from ``config`` (TOML), the environment and ``flags`` (None: not given)."""
    data: dict[str, Any] = {}
    if config is not None:
        try:
            data = tomllib.loads(config.read_text())
        except OSError as error:
            raise ConfigError(f"cannot read {config}: {error.strerror}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{config} is not valid TOML: {error}") from None
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        # the file's values are defaults that the environment overrides; flags override both
        from_env = NodeSettings.model_fields.keys() & _env_names()
        merged = {k: v for k, v in data.items() if k not in from_env} | given
        return NodeSettings(**merged).check()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise ConfigError(f"node settings are not valid: {problems}") from None


def _env_names() -> set[str]:
    import os

    return {name[len(ENV_PREFIX) :].lower() for name in os.environ if name.upper().startswith(ENV_PREFIX)}


def load_contracts(extra: list[str]) -> list[Contract]:
    """The default contracts, then each ``module:attribute`` of ``extra`` (a clear error when missing)."""
    import importlib

    from pledgenet.contracts.catalog import all_contracts

    contracts = all_contracts()
    for spec in extra:
        module_name, _, attribute = spec.partition(":")
        try:
            found = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError, ValueError):
            raise ConfigError(f"no contract {spec!r} (module:attribute) can be imported") from None
        if not isinstance(found, Contract):
            raise ConfigError(f"{spec} is not a Contract")
        contracts.append(found)
    return contracts
