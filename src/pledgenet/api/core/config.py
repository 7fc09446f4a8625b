"""The API's one typed settings object (pydantic-settings), validated at start.

Every field can be overridden from the environment with the ``PLEDGENET_API_`` prefix (for example
``PLEDGENET_API_PORT=9000``), so two nodes on one machine differ only in their environment.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """How one member's node serves its API."""

    model_config = SettingsConfigDict(env_prefix="PLEDGENET_API_", frozen=True)

    host: str = Field(default="127.0.0.1", description="address to listen on (loopback by default)")
    port: int = Field(default=8760, ge=0, le=65535, description="port to listen on (0: any free port)")
    #: how far a signed request's timestamp may be from the node's clock, seconds
    request_window_s: int = Field(default=60, ge=5, le=900)
    #: how long a browser session (cookie) lasts, seconds
    session_ttl_s: int = Field(default=8 * 3600, ge=60, le=7 * 86400)
    #: the longest a client may ask the node to wait for a receipt, seconds
    max_wait_s: float = Field(default=30.0, gt=0, le=300)
    #: how often waits and event streams look for new blocks, seconds
    poll_s: float = Field(default=0.1, gt=0, le=5)
    #: most envelopes in one batch submission
    max_batch: int = Field(default=1000, ge=1, le=100_000)
