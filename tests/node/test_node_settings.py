"""A node's settings: one typed object from the TOML file, the environment and flags, checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledgenet.contracts.catalog import init_alliance
from pledgenet.errors import ConfigError
from pledgenet.ledger.alliance import MemberSpec
from pledgenet.node.settings import load_contracts, load_settings


@pytest.fixture(scope="module")
def alliance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(tmp_path_factory.mktemp("settings")) / "alliance"
    init_alliance(directory, [MemberSpec("bank-01", ["bank", "governing"])]).close()
    return directory


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_the_file_sets_the_node_the_environment_and_flags_override_it(
    alliance_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prepare
    config = write(
        tmp_path / "node.toml",
        f'org = "bank-01"\nalliance_dir = "{alliance_dir}"\nstore = "peer.db"\n'
        'etcd = ["http://127.0.0.1:2379"]\nport = 8801\nhost = "127.0.0.1"\n',
    )
    monkeypatch.setenv("PLEDGENET_NODE_PORT", "8802")
    monkeypatch.setenv("PLEDGENET_NODE_HOST", "0.0.0.0")

    # Execute
    settings = load_settings(config, host="127.0.0.2")

    # Assert
    assert (settings.org, settings.port, settings.host) == ("bank-01", 8802, "127.0.0.2")
    assert settings.etcd == ["http://127.0.0.1:2379"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('org = "bank-01"\nstore = "p.db"\netcd = ["http://e:2379"]\n', "alliance_dir"),
        ('org = "bank-01"\nalliance_dir = "{dir}"\nstore = "p.db"\netcd = ["e:2379"]\n', "not an http"),
        ('org = "bank-01"\nalliance_dir = "{dir}"\nstore = "p.db"\netcd = []\n', "etcd"),
        (
            'org = "bank-01"\nalliance_dir = "{dir}"\nstore = "p.db"\netcd = ["http://e"]\nport = 70000\n',
            "port",
        ),
        (
            'org = "bank-01"\nalliance_dir = "{dir}"\nstore = "p.db"\netcd = ["http://e"]\nportt = 1\n',
            "portt",
        ),
        ('org = "bank-99"\nalliance_dir = "{dir}"\nstore = "p.db"\netcd = ["http://e"]\n', "bank-99"),
        ("org = ", "not valid TOML"),
    ],
)
def test_bad_settings_are_refused_before_anything_starts(
    alliance_dir: Path, tmp_path: Path, text: str, says: str
) -> None:
    # Prepare
    config = write(tmp_path / "node.toml", text.replace("{dir}", str(alliance_dir)))

    # Execute
    with pytest.raises(ConfigError) as refused:
        load_settings(config)

    # Assert
    assert says in refused.value.message


def test_an_extra_contract_that_cannot_be_imported_is_a_clear_error() -> None:
    with pytest.raises(ConfigError) as refused:
        load_contracts(["no_such_module:contract"])
    assert "no_such_module:contract" in refused.value.message
