"""Data-contribution measurement: Shapley values of the parties of a federated job (issue 14).

- ``utility``: model quality as an integer utility in parts per million (AUC, KS, log-loss gain);
- ``shapley``: exact Shapley over every coalition and truncated Monte Carlo Shapley, one report shape;
- ``vertical``: feature-holding parties as players (a model trained per coalition, or the no-retraining
  reference-value alternative);
- ``horizontal``: lenders as players (a model per coalition by FedAvg, or GTG-Shapley from the recorded
  rounds);
- ``chain``: a member's client of the ``contribution`` and ``benefit`` contracts.
"""
