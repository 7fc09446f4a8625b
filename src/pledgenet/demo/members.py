"""The demo members: ``MEMBERS`` is THE set of demo member ids.

Used by ``pledgenet demo``, by the demo book, by the simulated register (``pledgenet sim register``) and by
the risk commands when they read the simulator (which has no alliance). The infrastructure members are named
by their role (``registrar``, ``regulator``, ``exchange``), the others by their kind and a number
(``broker-01``, ``bank-02``, ``trust-01``, ``court-01``, ``insurer-01``), the same pattern the simulated
book gives its lenders. Code that reads an alliance never relies on these ids: it finds the registrar,
regulator and exchange by their roles in the members' governance records. The governing members are the
registrar, the regulator and the exchange.
"""

from __future__ import annotations

from pledgenet.ledger.alliance import MemberSpec

REGISTRAR, REGULATOR, EXCHANGE, COURT = "registrar", "regulator", "exchange", "court-01"
BROKERS = ["broker-01", "broker-02", "broker-03"]
BANKS = ["bank-01", "bank-02"]
TRUST = "trust-01"
INSURER = "insurer-01"

MEMBERS = [
    MemberSpec(REGISTRAR, ["registrar", "governing"], name="Securities Depository and Clearing (registrar)"),
    MemberSpec(REGULATOR, ["regulator", "governing"], name="Securities Regulator"),
    MemberSpec(EXCHANGE, ["exchange", "governing"], name="Stock Exchange"),
    MemberSpec(COURT, ["court"], name="Court 01 (financial court)"),
    *[MemberSpec(org, ["broker"], name=f"Broker {org[-2:]}") for org in BROKERS],
    *[MemberSpec(org, ["bank"], name=f"Bank {org[-2:]}") for org in BANKS],
    MemberSpec(TRUST, ["trust"], name="Trust 01"),
]
