"""Fuzzing every command's arguments: the only outcomes are a run, or a clean refusal in one line.

Each command's arguments are drawn from its own parameters: integers (small, negative, past 64 bits,
not numbers), text (empty, control characters, lone surrogates as a shell passes undecodable bytes,
long), directories (the alliance, missing, a file, an empty folder, a broken ``alliance.json``). The
command runs in process through ``cli.run.run``, exactly as the script does; any exception that escapes
it (a traceback for the user) fails the test, and so does exit code 1 (the code of an unexpected error).

Every command's arguments are parsed; the commands that work on an alliance directory also run. The
demo, the simulator and ``fl run`` (a job file; its loader is fuzzed with the federated-learning tests)
are parsed only: running them is minutes of work, not argument handling.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_invoke import invoke
from pledgenet.cli.app import app

ROOT: Any = typer.main.get_command(app)
# Parsed, not run: long jobs, and the commands that start servers and keep running (serve, node run,
# cluster up); their bad settings are refused by their own tests (tests/api, tests/node).
PARSED_ONLY = {
    ("demo",),
    ("fl", "run"),
    ("sim", "register"),
    ("sim", "calibrate"),
    ("serve",),
    ("node", "run"),
    ("cluster", "up"),
}


def leaf_commands(command: Any = ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            yield from leaf_commands(sub, (*path, name))
    else:
        yield path, command


COMMANDS = dict(leaf_commands())
RUN = sorted(path for path in COMMANDS if path not in PARSED_ONLY)

HUGE = ["99999999999999999999999", "-99999999999999999999999", "9223372036854775808", "-9223372036854775809"]
NOT_INT = ["", "abc", "1e3", "0x10", "1.5", "NaN", "\udcff"]
TEXTS = ["", " ", "gov/\udcff", "\udcff\udcfe", "a\nb", "x" * 300, "../..", "-", "--json", "\x00", "中文"]
ints = st.integers(-3, 3).map(str) | st.sampled_from(HUGE + NOT_INT)
texts = st.text(max_size=12) | st.sampled_from(TEXTS)
small_ints = st.integers(0, 3).map(str) | st.sampled_from(NOT_INT)


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The directories an argument may name: the alliance and every kind of wrong one."""
    root = tmp_path_factory.mktemp("cli-fuzz")
    code, _out, err = invoke(["init", "--dir", str(root / "alliance")])
    assert code == 0, err
    (root / "file.txt").write_text("not a directory")
    (root / "empty").mkdir()
    for name, text in {
        "format-only": '{"format": "pledgenet-alliance", "version": 2}',
        "orgs-five": '{"format": "pledgenet-alliance", "version": 2, "alliance": "a", "orgs": 5}',
        "not-json": "{",
        "a-list": "[1, 2]",
    }.items():
        (root / name).mkdir()
        (root / name / "alliance.json").write_text(text)
    return {p.name: str(p) for p in root.iterdir()} | {"missing": str(root / "missing")}


def _value(param: Any, draw: st.DrawFn, places: dict[str, str], path: tuple[str, ...]) -> list[str]:
    if getattr(param, "is_flag", False):
        return []
    kind = str(param.type_descriptor.annotation)
    if path == ("init",) and param.name == "directory":  # a new folder each time, or a wrong one
        fresh = f"{places['empty']}-{draw(st.uuids()).hex}"
        return [draw(st.sampled_from([fresh, places["alliance"], places["file.txt"], places["format-only"]]))]
    if "Path" in kind:
        return [draw(st.sampled_from(sorted(places.values())))]
    if "int" in kind:
        return [draw(small_ints if path[0] in {"risk", "sim"} else ints)]
    if "float" in kind:
        return [draw(st.sampled_from(["0.1", "-1", "nan", "inf", "1e308", "abc", ""]))]
    return [draw(texts)]


@st.composite
def arguments(draw: st.DrawFn, path: tuple[str, ...], places: dict[str, str]) -> list[str]:
    """An argument list for the command at ``path``: some of its options, all or some of its arguments."""
    command = COMMANDS[path]
    words = list(path)
    for param in command.params:
        required = param.required or (path[0] == "risk" and param.name == "directory")
        if param.param_type_name == "argument":
            if required or draw(st.booleans()):
                words += _value(param, draw, places, path)
        elif required or draw(st.booleans()):
            words.append(draw(st.sampled_from(param.opts)))
            words += _value(param, draw, places, path)
    return words


def assert_clean(code: int, err: str) -> None:
    assert code != 1, f"exit code 1 (an unexpected error): {err}"
    assert "Traceback" not in err
    if code not in (0, 2):  # a pledgenet error: one line naming its code
        assert err.startswith("error ["), err
        assert err.count("\n") == 1, err


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_command_parses_its_arguments_or_refuses_them(path: tuple[str, ...]) -> None:
    # Prepare
    command = COMMANDS[path]
    words = texts | ints | st.sampled_from([opt for param in command.params for opt in param.opts])

    # Execute / Assert: click parses the words or raises its usage error, whatever they are
    @settings(max_examples=10, deadline=None)
    @given(argv=st.lists(words, max_size=6))
    def parse(argv: list[str]) -> None:
        try:
            command.make_context(" ".join(path), list(argv))
        except typer.Exit:
            pass
        except Exception as refused:
            assert type(refused).__module__.startswith(("click", "typer")), repr(refused)

    parse()


@pytest.mark.parametrize("path", RUN, ids=" ".join)
def test_every_command_runs_or_refuses_cleanly(path: tuple[str, ...], places: dict[str, str]) -> None:
    # Execute / Assert
    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
    @given(words=arguments(path, places))
    def run_once(words: list[str]) -> None:
        code, _out, err = invoke(words)
        assert_clean(code, err)

    run_once()
