"""Level 5 data: never granted in plaintext or for ordinary computation; granted for attested compute only,
and then every use must name a worker the attest contract holds attested at that block (the genuine SGX
quote of data/attestation, under a policy that admits it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data_world import DATA, make_world

from pledgenet.errors import GradingForbids, WorkerNotAttested

EVIDENCE = DATA / "attestation"
PAIR_TIME_MS = 1_751_192_163_000  # both collaterals of data/attestation are valid then
SGX_ENTRY = {
    "name": "hello-enclave",
    "type": "sgx",
    "mrenclave": "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb",
    "mrsigner": "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6",
    "min_isv_svn": 0,
}
POLICY = {
    "attest.tcb_statuses": ["UpToDate", "ConfigurationAndSWHardeningNeeded"],
    "attest.advisories": ["INTEL-SA-00289", "INTEL-SA-00615"],
    "attest.measurements": [SGX_ENTRY],
}


def test_level_5_data_is_used_only_on_an_attested_worker(tmp_path: Path) -> None:
    # Prepare: an attested worker (the genuine SGX quote), a level-5 dataset of the bank
    world = make_world(tmp_path / "alliance", params=POLICY, start_ms=PAIR_TIME_MS)
    try:
        quote = (EVIDENCE / "sgx_quote").read_bytes()
        collateral = json.loads((EVIDENCE / "sgx_quote_collateral.json").read_text())
        worker = {
            "worker": "stats-sgx",
            "public_key": quote[368:400].hex(),
            "evidence": {"type": "sgx", "quote": quote.hex(), "collateral": collateral},
        }
        assert world.alliance.submit("attest.register_worker", worker, ["registrar"]).valid
        bank, broker = world["bank-01"], world["broker-01"]
        bank.register(
            "aggregates",
            DATA / "breast_hetero_host.csv",
            title="Market-wide aggregates",
            description="before publication",
            level=5,
        )
        # Execute: plaintext and ordinary computation are refused at once; attested compute may be asked
        refusals = []
        for operations in (["plaintext_copy"], ["vertical_training"]):
            with pytest.raises(GradingForbids) as refused:
                broker.request(
                    "aggregates", columns=["id", "x0"], purpose="statistics", operations=operations
                )
            refusals.append(refused.value.code)
        grant = broker.request(
            "aggregates", columns=["id", "x0"], purpose="statistics", operations=["attested_compute"]
        )
        for org in ("registrar", "regulator", "bank-01"):
            world[org].approve(grant)
        served = bank.record_attested_use(
            "aggregates", grant=grant, requester="broker-01", worker="stats-sgx", purpose="statistics"
        )
        with pytest.raises(WorkerNotAttested) as unattested:
            bank.record_attested_use(
                "aggregates", grant=grant, requester="broker-01", worker="laptop", purpose="statistics"
            )
        # Assert
        assert refusals == ["plaintext_forbidden", "operation_forbidden"]
        assert broker.grant(grant)["required"] == ["owner", "registrar", "regulator"]
        assert served["outcome"] == "served"
        assert unattested.value.code == "worker_not_attested"
        log = world["regulator"].log("aggregates")
        assert [(u["worker"], u["outcome"]) for u in log] == [("stats-sgx", "served"), ("laptop", "refused")]
        assert broker.grant(grant)["uses"] == 1
    finally:
        world.alliance.close()
