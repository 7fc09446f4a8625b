"""How FL parties talk: the ``Channel`` interface and its two transports.

``channel`` (``Channel``, the in-memory ``MemoryHub``, ``Transcript``) -> ``wire`` (the message
encoding); ``tcp`` (``NetworkChannel``: TCP with an Ed25519-authenticated handshake and AEAD frames);
``job`` (``run_networked``: one party of a job file per process, above :mod:`pledgenet.fl.job`).
This package's ``__init__`` imports none of them.
"""
