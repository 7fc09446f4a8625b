"""Attested compute from a member's side: the worker, the data owner's key release, and views of the chain."""
