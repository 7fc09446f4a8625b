"""Data as a governed alliance asset: the ``data`` contract (transactions ``data.<operation>``, state under
``data/``, layout in ``contracts.data.keys``). Its modules:

    keys        state keys and the vocabularies (operations, job kinds, levels, document types)
    params      the grading rules by level, purposes, limits: governed parameters with genesis values
    common      argument readers, record loading, members by role
    catalog     register a dataset or a new version (schema, classification, content commitment)
    grants      request, approve, refuse, revoke; ``use_problem``, the one check of a use
    uses        every use of data, served or refused, recorded with its alerts
    jobs        federated jobs: create, accept, refuse, finish
    documents   documents as evidence, anchored to register records, datasets and jobs

The off-chain side (canonical files, the owner's store and service, the client, job runs) is
``pledgenet.data``; the model and the rules are described in ``docs/data.md``.
"""

from __future__ import annotations

from pledgenet.contracts.data import catalog, documents, grants, jobs, uses  # noqa: F401  (register ops)
from pledgenet.contracts.data.contract import contract

__all__ = ["contract"]
