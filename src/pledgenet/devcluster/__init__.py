"""Throwaway local servers on loopback for tests and a one-machine alliance: PostgreSQL and etcd.

The binaries come from the system's packages (Debian's ``postgresql`` and ``etcd-server``, installed by
``.ci/run`` and ``make deps``); a missing one is a clear ``ConfigError`` naming the package.
"""
