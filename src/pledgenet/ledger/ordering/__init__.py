"""Ordering services: the total order of transactions, cut into signed blocks (solo now, etcd later)."""
