"""Benchmark pledgenet PSI against openmined-psi, same sets, same run: KKRT (OT extension, the default
for the intersection) and ECDH-OPRF on Curve25519, both with all cores.

Sizes: 100k x 100k (``--quick``, which skips ECDH), then 1M x 1M. Half of each set is common. Last line: JSON;
per size ``seconds`` is the default protocol's time (named by ``protocol``), ``speedup`` is openmined's
time over it, and ``kkrt_seconds`` / ``ecdh_seconds`` give both constructions.

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


def run_ours(receiver: list[str], sender: list[str], workers: int, protocol: str) -> tuple[float, int]:
    start = time.perf_counter()
    result = psi.private_set_intersection(receiver, sender, workers=workers, protocol=protocol)
    return time.perf_counter() - start, result.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only 100k x 100k (under a minute)")
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    default = psi.resolve_protocol("auto", "intersection")
    report: dict[str, object] = {
        "workers": workers,
        "protocol": default,
        "kkrt": "KKRT16 OPRF, 512-bit code, 3-way cuckoo (1.27n), Chou-Orlandi base OT on ristretto255",
        "group": "X25519 (libsodium)",
    }
    for size in sizes:
        receiver, sender = make_sets(size)
        kkrt_seconds, kkrt_found = run_ours(receiver, sender, workers, "kkrt")
        # --quick skips the slower ECDH construction so that the run stays near a minute (openmined alone
        # takes most of it); the full run measures all three.
        ecdh_seconds, ecdh_found = (
            (None, kkrt_found) if args.quick else run_ours(receiver, sender, workers, "ecdh")
        )
        baseline_seconds, baseline_found = run_openmined(receiver, sender)
        if {kkrt_found, ecdh_found, baseline_found} != {size // 2}:
            raise SystemExit(
                f"wrong intersection size: kkrt {kkrt_found}, ecdh {ecdh_found}, openmined {baseline_found}"
            )
        seconds = kkrt_seconds if default == "kkrt" or ecdh_seconds is None else ecdh_seconds
        label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
        report[label] = {
            "seconds": round(seconds, 2),
            "openmined_seconds": round(baseline_seconds, 2),
            "speedup": round(baseline_seconds / seconds, 2),
            "intersection": kkrt_found,
            "protocol": default,
            "kkrt_seconds": round(kkrt_seconds, 2),
            "ecdh_seconds": None if ecdh_seconds is None else round(ecdh_seconds, 2),
            "kkrt_speedup_vs_ecdh": None if ecdh_seconds is None else round(ecdh_seconds / kkrt_seconds, 2),
        }
        print(
            f"{label} x {label}: kkrt {kkrt_seconds:.1f} s, "
            + ("ecdh skipped (--quick), " if ecdh_seconds is None else f"ecdh {ecdh_seconds:.1f} s, ")
            + f"openmined {baseline_seconds:.1f} s",
            flush=True,
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
