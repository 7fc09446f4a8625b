"""The job file's schema (pydantic): every field of a job is checked before anything runs.

:func:`parse_job` turns the YAML mapping into a :class:`~pledgenet.fl.spec.Job` or raises ``ConfigError``
naming the field (``parties.host.data: must be text``); :func:`check_parameters` does the same for one
component's parameters against its parameter dataclass (types, finiteness, unknown names), before the
dataclass's own range checks. Values are strict: a number is not text, text is not a number, ``.nan``
and ``.inf`` are refused everywhere.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from pledgenet.errors import ConfigError, DataError
from pledgenet.fl.spec import Job

STRICT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)
_HINTS = {
    "parties": "a mapping of party name to its entry, e.g. {guest: {role: guest, data: guest.csv}}",
    "components": "a mapping of component name to its parameters, e.g. {secureboost: {n_trees: 3}}",
}


class PartyEntry(BaseModel):
    """One party of the job; ``data`` for the guest and the hosts, the network fields for networked runs."""

    model_config = STRICT

    role: Literal["guest", "host", "coordinator"]
    data: str | None = Field(default=None, min_length=1)
    id: str = Field(default="id", min_length=1)
    label: str | None = Field(default=None, min_length=1)
    features: list[str] | None = None
    org: str | None = Field(default=None, min_length=1)
    address: str | None = None
    host: str | None = None
    port: int | None = None
    key: str | None = None
    certificate: str | None = None
    public_key: str | None = None

    @model_validator(mode="after")
    def _data_for_data_parties(self) -> PartyEntry:
        if self.role != "coordinator" and self.data is None:
            raise ValueError(f"a {self.role} needs 'data' (its CSV file)")
        if self.role == "coordinator" and (self.data is not None or self.label is not None):
            raise ValueError("the coordinator holds no data (no 'data' or 'label')")
        return self


class JobFile(BaseModel):
    """The whole job file."""

    model_config = STRICT

    name: str | None = Field(default=None, min_length=1)
    parties: dict[str, PartyEntry]
    components: dict[str, dict[str, Any] | None]
    test_share: float = Field(default=0.3, gt=0.0, lt=1.0)
    output: str | None = Field(default=None, min_length=1)
    relative_to_job: bool = False
    alliance_root: str | None = None
    #: serials of revoked member certificates (a list, or the path of a JSON file holding one)
    revoked_serials: list[int] | str | None = None
    connect_timeout: float = Field(default=120.0, gt=0.0)
    #: refuse a job with fewer aligned rows, or fewer rows of either class in the train or the test split
    min_aligned_rows: int = Field(default=100, ge=2)
    min_class_rows: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _one_guest_some_hosts(self) -> JobFile:
        roles = [entry.role for entry in self.parties.values()]
        if roles.count("guest") != 1 or roles.count("host") < 1:
            raise ValueError("a job needs exactly one guest and at least one host")
        if roles.count("coordinator") > 1:
            raise ValueError("a job has at most one coordinator")
        if not self.components:
            raise ValueError("a job needs at least one component")
        return self


def parse_job(raw: Any, path: Path) -> Job:
    """The :class:`Job` of a loaded YAML document, or ``ConfigError`` naming the first bad fields."""
    if not isinstance(raw, dict):
        raise ConfigError(f"job file {path}: must be a mapping with 'parties' and 'components'")
    try:
        parsed = JobFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"job file {path}: {describe(exc)}") from None
    parties = {name: entry.model_dump(exclude_none=True) for name, entry in parsed.parties.items()}
    base_dir = path.parent.resolve() if parsed.relative_to_job else Path.cwd()
    job = Job(
        name=parsed.name or path.stem,
        parties=parties,
        components={name: dict(params or {}) for name, params in parsed.components.items()},
        test_share=parsed.test_share,
        output=Path(parsed.output or f"fl-out/{path.stem}"),
        base_dir=base_dir,
        settings=parsed.model_dump(
            include={"alliance_root", "connect_timeout", "revoked_serials"}, exclude_none=True
        ),
        min_aligned_rows=parsed.min_aligned_rows,
        min_class_rows=parsed.min_class_rows,
    )
    for name, entry in parsed.parties.items():
        if entry.data is not None and job.path(entry.data).is_dir():
            raise ConfigError(
                f"job file {path}: parties.{name}.data: {entry.data} is a directory, not a CSV file"
            )
    return job


_SCHEMAS: dict[type[Any], type[BaseModel]] = {}


def _schema_of(parameters: type[Any]) -> type[BaseModel]:
    if parameters in _SCHEMAS:
        return _SCHEMAS[parameters]
    hints = get_type_hints(parameters)
    fields: dict[str, Any] = {
        field.name: (hints[field.name], field.default)
        for field in dataclasses.fields(parameters)
        if field.init
    }
    schema: type[BaseModel] = create_model(f"{parameters.__name__}Schema", __config__=STRICT, **fields)
    _SCHEMAS[parameters] = schema
    return schema


def check_parameters(component: str, parameters: type[Any], params: Any) -> None:
    """Types first (``ConfigError`` naming ``components.<name>.<field>``), then the dataclass's ranges."""
    where = f"components.{component}"
    try:
        values = _schema_of(parameters).model_validate(params).model_dump()
    except ValidationError as exc:
        raise ConfigError(describe(exc, prefix=where)) from None
    try:
        parameters(**values)
    except DataError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def describe(error: ValidationError, prefix: str = "") -> str:
    """Pydantic's errors as one line per field, e.g. ``parties.host: must be a mapping (got 'x.csv')``."""
    lines = []
    for item in error.errors(include_url=False)[:4]:
        location = [str(part) for part in item["loc"] if not str(part).startswith("function-after")]
        field = ".".join([prefix, *location] if prefix else location) or "the job"
        message = _message(item)
        hint = _HINTS.get(field)
        if hint and item["type"] in ("dict_type", "model_type"):
            message = f"must be {hint}"
        shown = repr(item.get("input"))
        got = f" (got {shown[:60]})" if item["type"] not in ("missing", "value_error") else ""
        lines.append(f"{field}: {message}{got}")
    more = error.error_count() - len(lines)
    return "; ".join(lines) + (f"; and {more} more" if more > 0 else "")


def _message(item: Any) -> str:
    kind = item["type"]
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping"
    if kind == "string_type":
        return "must be text"
    if kind in ("float_type", "int_type", "int_from_float"):
        return "must be a whole number" if kind != "float_type" else "must be a number"
    if kind == "finite_number":
        return "must be a finite number"
    if kind == "bool_type":
        return "must be true or false"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "missing":
        return "is missing"
    if kind == "value_error":
        return str(item["msg"]).removeprefix("Value error, ")
    return str(item["msg"])
