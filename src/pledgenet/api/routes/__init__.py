"""The API's routers, one module per area (ledger, transactions, register, risk, session)."""
