"""Horizontal federated learning: lenders with the same features about different customers.

``models`` (LR, MLP in numpy), ``local`` (SGD, FedProx, Ditto), ``fedavg`` (the aggregator's and a
lender's loops over the channel, through secure aggregation), ``dp`` (distributed Skellam noise and the
``dp-accounting`` budget), ``gbdt`` (boosted trees from securely summed histograms), ``lenders`` (data and
the non-IID 10-lender split), ``simulate`` (threads over a memory hub), ``job`` and ``report``.
"""
