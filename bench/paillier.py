"""Benchmark pledgenet Paillier against python-paillier (phe, with gmpy2) at 2048 bits, same run.

Measures: encryption (in-process fixed-base table, and the worker pool over all cores), decryption
(CRT, threads), homomorphic addition, scalar multiplication, packed values per second, and the share of
the raw ``gmpy2.powmod`` bound (a full 2048-bit-exponent exponentiation mod n^2 per encryption, which is
what textbook ``r^n`` costs) that we reach. Last line: one JSON object.

    .venv/bin/python bench/paillier.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time
from collections.abc import Callable

import gmpy2
import numpy as np
from phe import paillier as phe

from pledgenet.crypto import paillier


def rate(count: int, action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts, under a minute")
    parser.add_argument("--key-bits", type=int, default=2048)
    args = parser.parse_args()
    count = 400 if args.quick else 4000
    phe_count = 100 if args.quick else 600
    cores = os.cpu_count() or 1

    keypair = paillier.generate_keypair(args.key_bits)
    public_key, private_key = keypair.public_key, keypair.private_key
    phe_public, phe_private = phe.generate_paillier_keypair(n_length=args.key_bits)
    values = np.random.default_rng(7).normal(0.0, 10.0, count)
    plain_values = [float(v) for v in values[:phe_count]]

    # --- raw bound: one textbook r^n obfuscation = powmod with a key_bits exponent mod n^2
    n, n_square = public_key.n, public_key.n_square
    bases = [gmpy2.mpz(secrets.randbelow(int(n))) for _ in range(40)]
    powmod_per_s = rate(len(bases), lambda: [gmpy2.powmod(b, n, n_square) for b in bases])

    # --- phe baseline (single process, as phe offers)
    phe_cipher: list[phe.EncryptedNumber] = []
    phe_encrypt_per_s = rate(
        phe_count, lambda: phe_cipher.extend(phe_public.encrypt(v) for v in plain_values)
    )
    phe_decrypt_per_s = rate(phe_count, lambda: [phe_private.decrypt(c) for c in phe_cipher])
    phe_add_per_s = rate(phe_count, lambda: [a + b for a, b in zip(phe_cipher, phe_cipher, strict=True)])
    phe_scalar_per_s = rate(phe_count, lambda: [c * 3.5 for c in phe_cipher])

    # --- ours, one core: fixed-base table already built (a key is used for many vectors)
    table_start = time.perf_counter()
    paillier.obfuscator.table_for(public_key)
    table_seconds = time.perf_counter() - table_start
    single_core_encrypt_per_s = rate(count, lambda: paillier.encrypt(public_key, values))

    # --- ours, worker pool over all cores (stock computed ahead, as in a protocol round)
    with paillier.ObfuscatorPool(public_key, workers=cores) as pool:
        pool.take(cores)  # start the workers and build their tables
        encrypted: list[paillier.EncryptedVector] = []
        pool_rate = rate(count, lambda: encrypted.append(paillier.encrypt(public_key, values, pool=pool)))
        pool.refill(count)
        ahead_start = time.perf_counter()
        while pool.available < count and pool._pending:  # wait for the stock computed ahead
            pool._ready.extend(pool._pending.popleft().result())
        refill_seconds = time.perf_counter() - ahead_start
        online_rate = rate(count, lambda: paillier.encrypt(public_key, values, pool=pool))
    vector = encrypted[0]
    decrypt_per_s = rate(count, lambda: paillier.decrypt(private_key, vector))
    single_core_decrypt_per_s = rate(count, lambda: paillier.decrypt(private_key, vector, workers=1))
    add_per_s = rate(count, lambda: vector + vector)
    scalar_per_s = rate(count, lambda: vector.mul(3.5))

    # --- packing: SecureBoost-style (g, h) per ciphertext, and compressed sums for the return trip
    gh = np.stack([values / 100.0, np.abs(values) / 100.0], axis=1)
    packed_encrypt_per_s = 2 * rate(count, lambda: paillier.encrypt_packed(public_key, gh, max_terms=count))
    compressed = vector.compress()
    packed_decrypt_values_per_s = rate(count, lambda: paillier.decrypt(private_key, compressed))
    check = paillier.decrypt(private_key, compressed)
    assert np.allclose(check, values, atol=1e-6), "compressed decryption is wrong"

    result = {
        "key_bits": args.key_bits,
        "cores": cores,
        "count": count,
        "encrypt_per_s": round(pool_rate),
        "encrypt_online_per_s": round(online_rate),
        "encrypt_single_core_per_s": round(single_core_encrypt_per_s),
        "phe_encrypt_per_s": round(phe_encrypt_per_s),
        "encrypt_speedup": round(pool_rate / phe_encrypt_per_s, 2),
        "encrypt_single_core_speedup": round(single_core_encrypt_per_s / phe_encrypt_per_s, 2),
        "decrypt_per_s": round(decrypt_per_s),
        "decrypt_single_core_per_s": round(single_core_decrypt_per_s),
        "phe_decrypt_per_s": round(phe_decrypt_per_s),
        "decrypt_speedup": round(decrypt_per_s / phe_decrypt_per_s, 2),
        "add_per_s": round(add_per_s),
        "phe_add_per_s": round(phe_add_per_s),
        "add_speedup": round(add_per_s / phe_add_per_s, 2),
        "scalar_mul_per_s": round(scalar_per_s),
        "phe_scalar_mul_per_s": round(phe_scalar_per_s),
        "scalar_mul_speedup": round(scalar_per_s / phe_scalar_per_s, 2),
        "packed_encrypt_values_per_s": round(packed_encrypt_per_s),
        "compressed_decrypt_values_per_s": round(packed_decrypt_values_per_s),
        "raw_powmod_per_s": round(powmod_per_s),
        "share_of_powmod_bound_single_core": round(single_core_encrypt_per_s / powmod_per_s, 2),
        "fixed_base_table_seconds": round(table_seconds, 3),
        "pool_refill_seconds": round(refill_seconds, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
