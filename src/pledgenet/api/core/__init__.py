"""Settings of the API (``core.config``)."""
