"""State keys of the ``data`` contract and its vocabularies.

State::

    data/ds/<dataset>                      head: owner, latest version, registered_at
    data/ds/<dataset>/v/<NNNNNN>           one version: title, description, schema, classification,
                                           rows, content hash, location, sealed column names
    data/grant/<grant>                     a grant: grantee, columns, purpose, operations, expiry, uses,
                                           the approvals it needs and has, its status
    data/use/<dataset>/<NNNNNNNNN>         one use of a dataset, served or refused (an attempt)
    data/use_seq/<dataset>                 the last use number of a dataset
    data/volume/<dataset>/<org>            the requester's uses in the current volume window
    data/job/<job>                         a federated job: participants, datasets, grants, acceptances,
                                           outcome
    data/doc/<sha256>                      an anchored document (evidence)
    data/doc_of/<kind>/<record>/<sha256>   index: the documents of a register record, dataset or job
"""

from __future__ import annotations

PREFIX = "data/"
DATASET = "data/ds/"
GRANT = "data/grant/"
USE = "data/use/"
USE_SEQ = "data/use_seq/"
VOLUME = "data/volume/"
JOB = "data/job/"
DOC = "data/doc/"
DOC_OF = "data/doc_of/"

#: what a grant may allow
OPERATIONS = (
    "plaintext_copy",
    "psi",
    "vertical_training",
    "horizontal_training",
    "inference",
    "aggregate_query",
    "attested_compute",
)
#: federated job kinds (each is also the operation its grants must allow)
JOB_KINDS = ("psi", "vertical_training", "horizontal_training", "inference")
JOB_ROLES = ("guest", "host", "coordinator")
#: JR/T 0197-2020 data security levels
LEVELS = (1, 2, 3, 4, 5)
#: JR/T 0171-2020 personal financial information classes
PI_CLASSES = ("C1", "C2", "C3")
COLUMN_TYPES = ("integer", "number", "string", "date", "boolean")
DOC_TYPES = (
    "pledge_agreement",
    "board_resolution",
    "court_order",
    "disclosure_announcement",
    "valuation_report",
    "data_agreement",
    "other",
)
#: the records a document may belong to, and the state key of each
DOC_RECORD_KINDS = ("registration", "freeze", "dataset", "job")

GRANT_STATES = ("requested", "approved", "refused", "revoked")
JOB_STATES = ("proposed", "accepted", "refused", "finished", "failed", "aborted")


def dataset(dataset_id: str) -> str:
    return DATASET + dataset_id


def version(dataset_id: str, number: int) -> str:
    return f"{DATASET}{dataset_id}/v/{number:06d}"


def grant(grant_id: str) -> str:
    return GRANT + grant_id


def use(dataset_id: str, seq: int) -> str:
    return f"{USE}{dataset_id}/{seq:09d}"


def use_seq(dataset_id: str) -> str:
    return USE_SEQ + dataset_id


def volume(dataset_id: str, org: str) -> str:
    return f"{VOLUME}{dataset_id}/{org}"


def job(job_id: str) -> str:
    return JOB + job_id


def doc(digest: str) -> str:
    return DOC + digest


def doc_of(kind: str, record_id: str, digest: str = "") -> str:
    return f"{DOC_OF}{kind}/{record_id}/{digest}"
