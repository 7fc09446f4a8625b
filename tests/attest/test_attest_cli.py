"""`pledgenet attest verify`: one quote offline; exit 0 when it verifies, the reason and 11 when not."""

from __future__ import annotations

import json
import subprocess
import sys

from attest_helpers import DATA, OUTDATED_TIME, SGX_TIME, TDX_TIME


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from pledgenet.cli import main; main()", "attest", "verify", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def quote_args(name: str, at_time: int) -> list[str]:
    return [str(DATA / name), "--collateral", str(DATA / f"{name}_collateral.json"), "--at", str(at_time)]


def test_verify_prints_type_status_advisories_and_measurements() -> None:
    # Execute
    text = run_cli(*quote_args("sgx_quote", SGX_TIME))
    as_json = run_cli(*quote_args("tdx_quote", TDX_TIME), "--json")

    # Assert
    assert text.returncode == 0, text.stderr
    assert "attested (sgx): quote v3, TCB status ConfigurationAndSWHardeningNeeded" in text.stdout
    assert "INTEL-SA-00289, INTEL-SA-00615" in text.stdout
    assert "mrenclave: 33d8736db756ed49" in text.stdout and "isv_svn: 0" in text.stdout
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert (report["evidence_type"], report["tcb_status"], report["advisories"]) == ("tdx", "UpToDate", [])
    assert report["measurement"]["mrtd"].startswith("91eb2b44")


def test_verify_refuses_with_the_reason_and_a_non_zero_exit() -> None:
    # Execute
    outdated = run_cli(*quote_args("tdx_quote_outdated", OUTDATED_TIME))
    expired = run_cli(*quote_args("sgx_quote", SGX_TIME + 60 * 86400))
    missing = run_cli(
        str(DATA / "no-such-quote"), "--collateral", str(DATA / "sgx_quote_collateral.json"), "--at", "1"
    )

    # Assert
    assert outdated.returncode == 11
    assert (
        outdated.stderr.startswith("error [evidence_refused]:") and "No matching TCB level" in outdated.stderr
    )
    assert expired.returncode == 11 and expired.stderr.startswith("error [collateral_expired]:")
    assert missing.returncode == 3 and "cannot read the quote" in missing.stderr
