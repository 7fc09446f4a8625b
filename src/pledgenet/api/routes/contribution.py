"""Data contribution and benefit splits through a member's node: a job's values (checked by this node
against the recorded table), a member's jobs and payouts; recording a measurement and splitting a pool,
signed by the node's member (docs/contribution.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pledgenet.api.deps import NodeDep
from pledgenet.api.models import ReceiptPublic
from pledgenet.contracts.benefit import payouts_of_member
from pledgenet.contracts.contribution import jobs_of
from pledgenet.fl.contribution.chain import show_job

router = APIRouter(tags=["contribution"])

Row = dict[str, Any]


class ContributionCreate(BaseModel):
    job: str
    players: list[str]
    metric: str = Field(description="auc, ks or logloss_gain")
    method: str = Field(description="exact (utilities of every coalition) or permutation (walks)")
    estimator: str = Field(description="exact, reference, tmc or gtg")
    utilities: list[int] | None = Field(default=None, description="exact: 2**n utilities in ppm by bit mask")
    walks: list[dict[str, Any]] | None = Field(default=None, description="permutation: the sampled walks")


class SplitCreate(BaseModel):
    job: str
    pool: int = Field(description="the pool in fen")


@router.get("/contribution/{job}", response_model=Row)
def contribution(backend: NodeDep, job: str) -> Row:
    """A job's record, the values recomputed by this node from the recorded table, and its splits."""
    with backend.read() as peer:
        return show_job(peer, job)


@router.get("/contribution", response_model=list[Row])
def contributions_of(backend: NodeDep, member: str) -> list[Row]:
    """The contribution records in which ``member`` is a player."""
    with backend.read() as peer:
        return jobs_of(peer, member)


@router.post("/contribution", response_model=ReceiptPublic)
def record(backend: NodeDep, body: ContributionCreate) -> ReceiptPublic:
    """Record a job's utility table; every peer derives the Shapley values."""
    with backend.register() as client:
        return ReceiptPublic.of(client.submit("contribution.record", body.model_dump(exclude_none=True), []))


@router.post("/benefit/split", response_model=ReceiptPublic)
def split(backend: NodeDep, body: SplitCreate) -> ReceiptPublic:
    """Split a pool of fen among the job's players under the governed floor and cap."""
    with backend.register() as client:
        return ReceiptPublic.of(client.submit("benefit.split", body.model_dump(), []))


@router.get("/benefit/payouts", response_model=list[Row])
def payouts(backend: NodeDep, member: str) -> list[Row]:
    """The payouts recorded to ``member``."""
    with backend.read() as peer:
        return payouts_of_member(peer, member)
