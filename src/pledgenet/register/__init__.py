"""The register's client side: what a member's own machine runs against the ``register`` contract.

Nothing here runs inside a peer. The contract itself (the rules every peer executes) is
``pledgenet.contracts.register``; this package talks to it through a member's peer and keys:

    client          ``RegisterClient``: one call per operation, sealing, endorsements, the registrar's step
    review          the registrar's verdict on sealed terms and the submitter's preflight
    lookups         read-only lookups over the register's state and the registrar's weekly statistics
    member_views    what one member may see: accounts, securities, pledges, freeze queues, events
"""
