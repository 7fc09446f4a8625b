"""Horizontal FL: FedAvg through secure aggregation matches centralized training; dropouts; Ditto."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pledgenet.errors import EncodingOverflow, ShareError
from pledgenet.fl import metrics
from pledgenet.fl.horizontal.fedavg import FedParams
from pledgenet.fl.horizontal.lenders import (
    DATA_DIR,
    HOMO_PARTS,
    LenderData,
    lender_data,
    public_test,
    ten_lenders,
)
from pledgenet.fl.horizontal.local import LocalParams
from pledgenet.fl.horizontal.models import make_model
from pledgenet.fl.horizontal.simulate import AGGREGATOR, simulate_fedavg, train_central
from pledgenet.fl.net.channel import Transcript

LOCAL = LocalParams(epochs=1, batch_size=64, learning_rate=0.05)


@pytest.fixture(scope="module")
def two_lenders() -> list[LenderData]:
    return [lender_data(f"lender-{i}", pd.read_csv(DATA_DIR / name)) for i, name in enumerate(HOMO_PARTS, 1)]


@pytest.fixture(scope="module")
def lenders10() -> list[LenderData]:
    return ten_lenders()


@pytest.mark.parametrize("prox_mu", [0.0, 0.01])  # FedAvg, FedProx
def test_fedavg_on_the_homo_data_is_within_a_small_auc_gap_of_central_training(
    two_lenders: list[LenderData], prox_mu: float
) -> None:
    # Prepare: the two horizontal parts of the public data, the public test set, logistic regression
    test = public_test()
    model = make_model("lr", 23)
    local = LocalParams(epochs=1, batch_size=64, learning_rate=0.05, prox_mu=prox_mu)
    # Execute: 8 rounds of secure FedAvg, and the same model/optimiser on the pooled rows for 8 epochs
    outcome = simulate_fedavg(two_lenders, model, FedParams(rounds=8, local=local), evaluation=test)
    central = train_central(two_lenders, model, LOCAL, epochs=8)
    # Assert
    assert test.labels is not None
    central_auc = metrics.auc(test.labels, model.predict(central, test.features))
    fedavg_auc = outcome["curve"][-1]["auc"]
    assert fedavg_auc > 0.70
    assert abs(fedavg_auc - central_auc) < 0.005
    assert len(outcome["curve"]) == 8 and outcome["survivors"] == [2] * 8


def test_three_of_ten_lenders_drop_at_different_stages_and_the_rounds_go_on(
    lenders10: list[LenderData],
) -> None:
    # Prepare: lender-02 leaves before masking, lender-05 before unmasking, lender-09 before advertising keys
    model = make_model("lr", 23)
    dropouts = {1: {"lender-02": 2, "lender-05": 3, "lender-09": 0}}
    transcript = Transcript()
    # Execute
    outcome = simulate_fedavg(
        lenders10, model, FedParams(rounds=3, local=LOCAL), dropouts=dropouts, transcript=transcript
    )
    # Assert: round 2 summed the 8 whose masked input arrived (lender-05's input is in: it dropped after)
    assert outcome["survivors"] == [10, 8, 10]
    assert set(outcome["lenders"]) == {lender.name for lender in lenders10}
    # what the aggregator receives from lenders: secure-aggregation messages and end-of-job metrics only
    tags = {m.tag for m in transcript.messages if m.receiver == AGGREGATOR}
    assert tags == {"secagg", "hfl.metrics"}


def test_too_many_dropouts_refuse_the_round(lenders10: list[LenderData]) -> None:
    model = make_model("lr", 23)
    dropouts = {0: {f"lender-{i:02d}": 2 for i in range(1, 5)}}  # 4 of 10 leave: the threshold is 7
    with pytest.raises(ShareError, match="threshold"):
        simulate_fedavg(lenders10, model, FedParams(rounds=1, local=LOCAL), dropouts=dropouts)


def test_ditto_and_fine_tuning_report_each_lender_its_own_metrics(lenders10: list[LenderData]) -> None:
    # Prepare / Execute: a few rounds with a small MLP, plain (non-secure) aggregation for speed
    model = make_model("mlp", 23, (8,))
    fed = FedParams(rounds=3, local=LOCAL, secure=False, ditto_lambda=0.05, finetune_epochs=2)
    outcome = simulate_fedavg(lenders10, model, fed)
    # Assert: every lender evaluated the global, its Ditto and its fine-tuned model on its own test rows
    for name, report in outcome["lenders"].items():
        assert {"global_auc", "ditto_auc", "finetune_auc"} <= set(report), name
        assert all(0.0 <= report[k] <= 1.0 for k in ("global_auc", "ditto_auc", "finetune_auc"))
        assert "train_rows" not in report and "test_rows" not in report  # sizes stay with the lender
    personal_mean = np.mean([r["ditto_auc"] for r in outcome["lenders"].values()])
    global_mean = np.mean([r["global_auc"] for r in outcome["lenders"].values()])
    assert abs(personal_mean - global_mean) < 0.2  # same order: personal models are anchored to the global


def test_a_lender_sending_garbage_fails_the_round_instead_of_poisoning_the_model(
    two_lenders: list[LenderData], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prepare: lender-2 replaces its encoded update by random ring elements (what the protocol cannot see)
    from pledgenet.fl.horizontal import fedavg

    honest = fedavg.contribute

    def tampered(channel, server, params, vector, **options):  # type: ignore[no-untyped-def]
        if channel.party == "lender-2":
            vector = np.random.default_rng(5).integers(0, 2**63, size=params.length, dtype=np.uint64)
        return honest(channel, server, params, vector, **options)

    monkeypatch.setattr(fedavg, "contribute", tampered)
    # Execute / Assert: the aggregator's decoding refuses the sum (outside the declared bounds)
    with pytest.raises(EncodingOverflow, match="outside the declared bound"):
        simulate_fedavg(two_lenders, make_model("lr", 23), FedParams(rounds=2, local=LOCAL))
