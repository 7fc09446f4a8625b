"""The reason-code table: every code the sources raise belongs to exactly the class that raises it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from pledgenet import errors

ROOT = Path(__file__).resolve().parents[1] / "src" / "pledgenet"
CLASSES = {
    name: kind
    for name, kind in vars(errors).items()
    if inspect.isclass(kind) and issubclass(kind, errors.PledgenetError)
}


def raised_codes() -> list[tuple[str, str, str]]:
    """(where, class, code) for every ``SomeError(..., code="literal")`` in the sources."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id not in CLASSES:
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append((where, node.func.id, str(keyword.value.value)))
    return found


def test_every_literal_code_in_the_sources_maps_back_to_the_class_that_raises_it() -> None:
    # Prepare
    raised = raised_codes()
    # Execute
    wrong = [
        f"{where}: {name}(code={code!r}) maps to {errors.CODES.get(code, type(None)).__name__}"
        for where, name, code in raised
        if errors.CODES.get(code) is not CLASSES[name]
    ]
    # Assert: the scan saw the codes (it is not vacuous) and each is listed by its own class
    assert len(raised) > 40
    assert wrong == []


def test_every_class_code_and_listed_code_is_in_the_table_once() -> None:
    # Prepare / Execute
    listed = [
        (kind, code) for kind in CLASSES.values() for code in (kind.code, *kind.__dict__.get("codes", ()))
    ]
    # Assert
    assert all(errors.CODES[code] is kind for kind, code in listed)
    assert len(listed) == len(errors.CODES)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("over_pledge", errors.OverPledge),
        ("insufficient_free_shares", errors.OverPledge),
        ("stock_cap_exceeded", errors.CapExceeded),
        ("wrong_state", errors.WrongState),
        ("pledge_rate_exceeded", errors.TermsViolation),
        ("bad_arguments", errors.BadRegisterArguments),
        ("role_denied", errors.RoleDenied),
        ("unknown_role", errors.IdentityError),
        ("proposal_expired", errors.GovernanceError),
        ("a_code_of_another_contract", errors.ContractError),
    ],
)
def test_a_recorded_code_becomes_exactly_its_class(code: str, kind: type[errors.PledgenetError]) -> None:
    # Execute
    error = errors.refusal(code, "refused")
    # Assert
    assert type(error) is kind and error.code == code and error.message == "refused"
