"""The catalog: a member registers a dataset it owns, or a new version of one; history is kept.

A version is public to every member: title, description, schema (column ids, types, levels, personal-
information classes), the dataset's classification, row count, the content commitment (the Merkle root of
the canonical file's columns, see ``pledgenet.data.files``) and where it lives (the owner's node). The
owner may hide the names of columns of level 3 and above: their ``name`` is null in the public schema and
the names travel in ``sealed_names``, an envelope (``crypto.envelope``) readable by the owner, every
registrar and every regulator; a grantee gets the names of the columns it was granted in its grant.
"""

from __future__ import annotations

from typing import Any

from pledgenet.contracts.data import common, keys
from pledgenet.contracts.data import params as p
from pledgenet.contracts.data.contract import contract
from pledgenet.crypto.envelope import check_shape, recipients_of
from pledgenet.errors import BadDataArguments, MalformedTransaction, NotAnApprover
from pledgenet.ledger.contract_api import TxContext

_MAX_COLUMNS = 2_000


def column_level(column: dict[str, Any], pi_levels: dict[str, Any]) -> int:
    """A column's effective level: its own, raised to its personal-information class's."""
    pi = column.get("pi")
    return max(int(column["level"]), int(pi_levels[pi]) if pi else 0)


def _schema(args: dict[str, Any], pi_levels: dict[str, Any]) -> list[dict[str, Any]]:
    value = args.get("schema")
    if type(value) is not list or not 1 <= len(value) <= _MAX_COLUMNS:
        raise BadDataArguments(f"'schema' must be a list of 1 to {_MAX_COLUMNS} columns")
    schema, seen = [], set()
    for column in value:
        if type(column) is not dict:
            raise BadDataArguments("every column of 'schema' must be an object")
        column_id = common.identifier(column, "id")
        if column_id in seen:
            raise BadDataArguments(f"column id {column_id!r} appears twice")
        seen.add(column_id)
        name = column.get("name")
        level = common.choice(column, "level", keys.LEVELS)
        pi = column.get("pi")
        if pi is not None and pi not in keys.PI_CLASSES:
            raise BadDataArguments(f"column {column_id}: 'pi' must be null or one of {keys.PI_CLASSES}")
        entry = {
            "id": column_id,
            "name": name,
            "type": common.choice(column, "type", keys.COLUMN_TYPES),
            "level": level,
            "pi": pi,
        }
        if name is None:
            if column_level(entry, pi_levels) < 3:
                raise BadDataArguments(
                    f"column {column_id}: only names of columns of level 3 and above may be hidden"
                )
        else:
            common.text(column, "name", limit=128)
        schema.append(entry)
    return schema


def _check_sealed_names(ctx: TxContext, args: dict[str, Any], owner: str, hidden: bool) -> Any:
    sealed = args.get("sealed_names")
    if not hidden:
        if sealed is not None:
            raise BadDataArguments("'sealed_names' is given but no column name is hidden")
        return None
    if sealed is None:
        raise BadDataArguments("hidden column names must come sealed in 'sealed_names'")
    try:
        check_shape(sealed)
    except MalformedTransaction as bad:
        raise BadDataArguments(f"'sealed_names': {bad.message}") from None
    entitled = {owner, *common.members_with(ctx, "registrar"), *common.members_with(ctx, "regulator")}
    missing = sorted(entitled - recipients_of(sealed))
    if missing:
        raise BadDataArguments(f"'sealed_names' must be readable by {missing} too")
    return sealed


@contract.operation("register_dataset")
def register_dataset(ctx: TxContext, args: dict[str, Any]) -> dict[str, Any]:
    """Owner: register a dataset, or a new version of one it owns."""
    dataset_id = common.identifier(args, "dataset")
    pi_levels = dict(ctx.param(p.PI_LEVELS))
    schema = _schema(args, pi_levels)
    level = common.choice(args, "level", keys.LEVELS)
    pi = args.get("pi")
    if pi is not None and pi not in keys.PI_CLASSES:
        raise BadDataArguments(f"'pi' must be null or one of {keys.PI_CLASSES}")
    highest = max(column_level(column, pi_levels) for column in schema)
    if level < highest:
        raise BadDataArguments(f"the dataset's level {level} is below its highest column's ({highest})")
    record = {
        "dataset": dataset_id,
        "title": common.text(args, "title"),
        "description": common.text(args, "description", limit=4_000),
        "schema": schema,
        "level": level,
        "pi": pi,
        "rows": common.integer(args, "rows"),
        "content_hash": common.digest(args, "content_hash"),
        "owner": ctx.submitter,
        "location": {"node": ctx.submitter},
        "registered_at": ctx.block_time,
        "height": ctx.block_height,
        "tx": ctx.tx_id,
    }
    head = ctx.get(keys.dataset(dataset_id))
    if head is not None and head["owner"] != ctx.submitter:
        raise NotAnApprover(f"dataset {dataset_id} belongs to {head['owner']}; only it adds versions")
    hidden = any(column["name"] is None for column in schema)
    record["sealed_names"] = _check_sealed_names(ctx, args, ctx.submitter, hidden)
    number = 1 if head is None else int(head["version"]) + 1
    record["version"] = number
    ctx.put(keys.version(dataset_id, number), record)
    common.put(
        ctx,
        keys.dataset(dataset_id),
        {
            "dataset": dataset_id,
            "owner": ctx.submitter,
            "version": number,
            "created_at": ctx.block_time if head is None else head["created_at"],
            "updated_at": ctx.block_time,
        },
    )
    payload = {
        "dataset": dataset_id,
        "version": number,
        "owner": ctx.submitter,
        "level": level,
        "content_hash": record["content_hash"],
    }
    ctx.emit("data.dataset_registered", payload)
    return payload
