"""The member node's HTTP API."""
