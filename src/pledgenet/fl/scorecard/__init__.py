"""Scorecards: federated WOE/IV binning and the federated points table of a hetero LR model.

``woe_binning`` (federated binning and IV selection), ``federated`` (the federated scorecard and its
scoring), ``points`` (one party's points from weights and bins; the centralized baseline).
"""
