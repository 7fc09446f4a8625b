"""The demo in one room: ``pledgenet demo`` and the fixtures the tests and the CLI share with it.

    members             the demo members, one per role (``MEMBERS``)
    demo_book           the demo book of the register, built through the client
    runner              the demo's steps in order, its clock and its console (``run_demo``)
    register_steps      the register's steps: the book, a freeze and a release, the weekly statistics
    risk_steps          the risk steps: prices on the chain, a price shock, views and stress
    simulated_register  a slice of the simulated book registered through the real register (``sim register``)

All of the demo's printing lives here (or in ``pledgenet.cli``); the packages below print nothing.
"""
