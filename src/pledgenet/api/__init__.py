"""A member node's HTTP API (FastAPI): the ledger, the register and risk views, for the member's own people.

``create_app(backend, settings)`` (``api.app``) builds the application over a ``MemberBackend``
(``api.backend``); ``pledgenet serve`` runs it with uvicorn over an embedded alliance. Routes live in
``api.routes``, request and response shapes in ``api.models``, authentication in ``api.auth``, the mapping
of pledgenet's errors to problem+json responses in ``api.problems``. See docs/api.md.
"""
