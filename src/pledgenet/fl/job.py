"""Vertical FL jobs: a YAML file names the parties, their data, the components and their parameters.

``run_party`` is one party's whole job over any :class:`Channel` (alignment by PSI, the guest's 70/30
split, then every component in file order, evaluation, model files); ``simulate`` runs every party as a
thread over an in-memory hub; ``pledgenet.fl.net.job.run_networked`` runs one party as its own process over
the authenticated network transport (addresses and organisation keys in the same file). Every input is
validated (files, columns, labels) before any cryptography starts. A party that fails tells its peers
(``Channel.abort``), so they stop at once with ``PeerAborted`` instead of waiting out a timeout. Outputs in
``output``: ``<party>.<component>.model.json`` per party, ``metrics.json`` and ``report.html`` (guest).

Example (``address``/``key``/``certificate`` are needed only for networked runs)::

    name: breast
    test_share: 0.3
    output: out/breast
    parties:
      guest: {role: guest, data: data/breast_hetero_guest.csv, id: id, label: y,
              address: "10.0.0.1:9101", key: keys/guest/signing.key, certificate: keys/guest/certificate.pem}
      host: {role: host, data: data/breast_hetero_host.csv, id: id,
             address: "10.0.0.2:9101", key: keys/host/signing.key, certificate: keys/host/certificate.pem}
      coordinator: {role: coordinator, address: "10.0.0.3:9101", public_key: keys/coordinator.pub}
    components:
      secureboost: {n_trees: 3, max_depth: 3, max_bins: 32, key_bits: 2048}
      hetero_lr: {epochs: 10, batch_size: 64, learning_rate: 0.01}

The whole file is validated first (:mod:`pledgenet.fl.schema`, ``ConfigError`` naming the field);
``min_aligned_rows`` (100) and ``min_class_rows`` (10, per class and split) refuse jobs too small to
train or evaluate.

Components are plug-ins (:mod:`pledgenet.fl.components`): ``register(Component(name, run, check))``;
``run(ctx, params)`` is called on every party (branch on ``ctx.role``) and returns the guest's results
(metrics, optional ``curves``). The parsed file is a :class:`~pledgenet.fl.spec.Job`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pledgenet.errors import ConfigError, PeerAborted, PledgenetError
from pledgenet.fl.alignment import align_guest, align_host
from pledgenet.fl.components import COMPONENTS, PartyContext
from pledgenet.fl.components.registry import write_json
from pledgenet.fl.data import check_split_sizes, split_ids
from pledgenet.fl.net.channel import Channel, MemoryHub, Transcript
from pledgenet.fl.schema import check_parameters, parse_job
from pledgenet.fl.spec import Job, Progress

__all__ = ["Job", "Progress", "load_job", "run_party", "simulate"]


def load_job(path: str | Path) -> Job:
    """Read and check a whole job file (:mod:`pledgenet.fl.schema`); ``ConfigError`` names the field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"job file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"job file {path} cannot be read: {exc}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(f"job file {path} is not valid YAML: {exc}") from None
    job = parse_job(raw, path)
    unknown = set(job.components) - set(COMPONENTS)
    if unknown:
        raise ConfigError(f"components must be among {sorted(COMPONENTS)} (got {sorted(job.components)})")
    for name, params in job.components.items():
        check_parameters(name, COMPONENTS[name].parameters, params)
    for name, params in job.components.items():
        COMPONENTS[name].check(job, params)
    return job


def _align(ctx: PartyContext) -> None:
    job, channel = ctx.job, ctx.channel
    data = job.load(ctx.party)  # validation before any cryptography
    if ctx.role == "guest":
        aligned = align_guest(channel, data, job.hosts)
        assert aligned.labels is not None
        is_test = split_ids(aligned.ids, aligned.labels, job.test_share)
        check_split_sizes(aligned.labels, is_test, job.min_aligned_rows, job.min_class_rows)
        channel.broadcast(job.hosts, "job.split", {"is_test": is_test})
    else:
        aligned = align_host(channel, data, job.guest)
        is_test = np.asarray(channel.recv(job.guest, "job.split")["is_test"], dtype=bool)
        if is_test.shape != (aligned.rows,):
            raise ConfigError("the guest's train/test split does not match the aligned rows")
    ctx.aligned_train = aligned.take(np.flatnonzero(~is_test))
    ctx.aligned_test = aligned.take(np.flatnonzero(is_test))


def run_party(job: Job, party: str, channel: Channel, progress: Progress | None = None) -> dict[str, Any]:
    """Run ``party``'s side of the whole job; the guest returns the metrics.

    On any failure the party aborts the channel (its peers stop at once) and re-raises.
    """
    report = progress or (lambda _stage, _share: None)
    role = job.parties[party]["role"]
    ctx = PartyContext(job, party, role, channel, report)
    with channel.aborting_on_failure():
        results: dict[str, Any] = {"job": job.name}
        if role != "coordinator":
            report("align", 0.0)
            _align(ctx)
            report("align", 1.0)
            results["rows"] = {"aligned": ctx.train.rows + ctx.test.rows, "test": ctx.test.rows}
        for name, params in job.components.items():
            report(name, 0.0)
            start = time.perf_counter()
            outcome = COMPONENTS[name].run(ctx, params)
            if role == "guest":
                results[name] = {**outcome, "seconds": round(time.perf_counter() - start, 3)}
            report(name, 1.0)
    if role != "guest":
        return {}
    from pledgenet.fl.report import write_report

    curves = {c: results[c].pop("curves") for c in job.components if "curves" in results.get(c, {})}
    write_json(job.output / "metrics.json", results)
    write_report(job.output / "report.html", job.name, results, curves)
    return results


def simulate(
    job: Job, progress: Progress | None = None, transcript: Transcript | None = None
) -> dict[str, Any]:
    """Run every party of ``job`` locally (threads over an in-memory hub); return the guest's metrics.

    If a party fails, the others stop at once (``PeerAborted``) and its own error is raised here.
    """
    for party, spec in job.parties.items():
        if spec["role"] != "coordinator":
            job.load(party)  # every party's data is checked before any thread or key starts
    hub = MemoryHub(list(job.parties), transcript)
    errors: list[BaseException] = []
    results: dict[str, Any] = {}

    def work(party: str) -> None:
        try:
            out = run_party(job, party, hub.channel(party), progress if party == job.guest else None)
            if party == job.guest:
                results.update(out)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in job.parties]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        causes = [e for e in errors if not isinstance(e, PeerAborted)] or errors
        raise next((e for e in causes if isinstance(e, PledgenetError)), causes[0])
    return results
