"""Vertical federated learning between a guest (labels), hosts (features) and a coordinator.

Layout, each module importing only those below it:

- ``job`` (``load_job``, ``run_party``, ``simulate``) and ``net.job`` (``run_networked``): the runners;
- ``components/``: the job components as plug-ins (``registry``: ``Component``, ``register``,
  ``PartyContext``; one module per component);
- ``estimators``: scikit-learn-style estimators over pandas frames;
- ``secureboost/``, ``hetero_lr`` (with ``sharing/``), ``scorecard/``: the protocols;
- ``schema`` (the job file's pydantic schema), ``guest_key`` (hosts' checks of the guest's Paillier key);
- ``alignment`` (PSI), ``spec`` (the parsed ``Job``), ``data``, ``binning``, ``metrics``, ``report``;
- ``net/``: the ``Channel`` interface, the in-memory hub, the wire encoding and the TCP transport.
"""
