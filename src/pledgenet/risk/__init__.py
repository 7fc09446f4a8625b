"""Off-chain risk supervision over the register: the pledge book as arrays (``pledge_book``), loaded from a
peer (``source``, ``chain``), valuation, alerts, breakdowns, stress, cascade, reports and their tables."""
