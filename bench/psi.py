"""Benchmark pledgenet PSI (ECDH-OPRF on Curve25519, all cores) against openmined-psi, same sets, same run.

Sizes: 100k x 100k (``--quick``), then 1M x 1M. Half of each set is common. Last line: one JSON object.

    .venv/bin/python bench/psi.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import time

import private_set_intersection.python as openmined

from pledgenet.crypto import psi


def make_sets(size: int) -> tuple[list[str], list[str]]:
    receiver = [f"1101051990{i:08d}" for i in range(size)]
    sender = [f"1101051990{i:08d}" for i in range(size // 2, size + size // 2)]
    return receiver, sender


def run_openmined(receiver: list[str], sender: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    client = openmined.client.CreateWithNewKey(True)
    server = openmined.server.CreateWithNewKey(True)
    setup = server.CreateSetupMessage(1e-9, len(receiver), sender, openmined.DataStructure.RAW)
    request = client.CreateRequest(receiver)
    response = server.ProcessRequest(request)
    found = client.GetIntersection(setup, response)
    return time.perf_counter() - start, len(found)


def run_ours(receiver: list[str], sender: list[str], workers: int) -> tuple[float, int]:
    start = time.perf_counter()
    result = psi.private_set_intersection(receiver, sender, workers=workers)
    return time.perf_counter() - start, result.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only 100k x 100k (under a minute)")
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    report: dict[str, object] = {"workers": workers, "group": "X25519 (libsodium)"}
    for size in sizes:
        receiver, sender = make_sets(size)
        seconds, found = run_ours(receiver, sender, workers)
        baseline_seconds, baseline_found = run_openmined(receiver, sender)
        if found != size // 2 or baseline_found != size // 2:
            raise SystemExit(f"wrong intersection size: ours {found}, openmined {baseline_found}")
        label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
        report[label] = {
            "seconds": round(seconds, 2),
            "openmined_seconds": round(baseline_seconds, 2),
            "speedup": round(baseline_seconds / seconds, 2),
            "intersection": found,
        }
        print(f"{label} x {label}: ours {seconds:.1f} s, openmined {baseline_seconds:.1f} s", flush=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
