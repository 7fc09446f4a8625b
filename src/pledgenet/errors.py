"""The one exception tree of pledgenet.

Every error the system raises on purpose is a ``PledgenetError``. Each carries a short machine-readable
``code`` (the reason code recorded beside an invalid transaction, the API's error code) and a message a
person understands. Low-level errors are translated at the boundary (``raise X(...) from None``); the CLI
maps the branches to exit codes and the API to HTTP status codes.

Codes survive the chain: a peer records only the reason code of a refused transaction, and ``CODES`` maps
each code back to the one class that raises it (a class's default ``code`` and the other ``codes`` it
lists; no code belongs to two classes), so a client re-raises exactly what the contract raised
(``refusal(code, message)``). A class raising a new code adds it to its ``codes``; ``tests/test_errors.py``
checks every code the sources raise.

    PledgenetError
    ├── ConfigError                 bad settings, missing or unreadable files
    ├── LedgerError                 transactions, blocks, ordering, peers, proofs
    │   ├── MalformedTransaction    does not decode, fields missing or of the wrong type, too large
    │   ├── InvalidSignature        a signature does not verify
    │   ├── IdentityError           unknown, expired, revoked or wrongly-issued certificate
    │   ├── EndorsementMissing      a party the operation's policy requires did not sign
    │   ├── ReplayedNonce           the submitter's nonce was already used
    │   ├── RoleDenied              the submitter lacks a role the operation needs
    │   ├── UnknownOperation        no contract or operation of that name
    │   ├── StateDivergence         a peer computed another state root than the block header says
    │   ├── IntegrityError          a stored block or state no longer matches its hashes
    │   ├── NotFound                no such block, transaction or key
    │   └── OrderingUnavailable     the ordering service (etcd) did not answer or refused: nothing ordered
    ├── ContractError               a business rule refused the operation (the tx is invalid, nothing changed)
    │   ├── GovernanceError         votes, members, parameters
    │   └── RegisterError           the pledge register (see pledgenet.contracts.register)
    │       ├── BadRegisterArguments    an argument is missing, of the wrong type or out of range
    │       ├── UnknownRecord           no such security, account, holding, pledge, contract or freeze
    │       ├── DuplicateRecord         the security, account, contract number or record already exists
    │       ├── OverPledge              more shares than the free (unpledged, unfrozen) quantity
    │       ├── SharesFrozen            the shares asked for are under a judicial freeze
    │       ├── CapExceeded             the 50% stock cap, the 30% securities-firm or 15% product cap
    │       ├── TermsViolation          sealed terms break a rule: pledge rate, amount, term, use of funds
    │       ├── BorrowerNotEligible     the pledgor may not borrow against shares (financial institution)
    │       ├── WrongState              the pledge, contract or freeze is not in a state that allows it
    │       ├── NotAParty               the submitter is not the pledgee, custody broker or freezing court
    │       ├── EnvelopeRecipients      the sealed terms are not readable by every entitled member
    │       ├── VerdictMismatch         the registrar's verdict is for another envelope or another context
    │       ├── EnvelopeMisbound        sealed terms re-attached to a registration they were not sealed for
    │       └── DisposalLimitExceeded   forced sales past the reduction rules (1% / 2% per 90 days)
    │   ├── MarketDataError         the market contract refused a price or notice (see contracts.market)
    │   └── DataGovernanceError     the data contract: catalog, grants, accesses, jobs, documents
    │       ├── BadDataArguments        an argument is missing, of the wrong type or out of range
    │       ├── UnknownDataRecord       no such dataset, version, grant, job or document
    │       ├── DuplicateDataRecord     the dataset version, grant, job or document already exists
    │       ├── GradingForbids          the grading rules forbid the operation at the data's level
    │       ├── GrantInvalid            no grant, or one expired, revoked, used up, for another member,
    │       │                           purpose, operation or columns
    │       ├── NotAnApprover           the submitter may not approve, refuse or revoke this grant
    │       ├── JobRefused              a job lacks an acceptance, a participant refused it, or it is over
    │       └── ContentMismatch         a dataset file or a result does not match its on-chain commitment
    ├── PrivacyError                privacy computing
    │   ├── KeyMismatch             ciphertexts or keys of different parties mixed
    │   ├── EncodingOverflow        a value does not fit the declared fixed-point or packing bounds
    │   ├── ProtocolError           a peer broke the protocol (bad message, wrong order)
    │   │   └── PeerAborted         a peer stopped mid-protocol (its failure, or its link lost) and said so
    │   ├── CuckooFailure           PSI cuckoo hashing could not place every item (rare; rerun)
    │   ├── ShareError              too few, duplicate or inconsistent secret shares
    │   │   └── BelowThreshold      too few clients survived a secure-aggregation stage: no sum, refused
    │   ├── WeakParameters          a key or security parameter below the safe minimum
    │   └── EnvelopeError           a sealed envelope is malformed, tampered with or the key does not fit
    ├── DataError                   input data: missing columns, wrong types, empty sets
    │   ├── MissingPrice            a stock the risk engine must value has no published close (never filled)
    │   └── CorporateActionMismatch the register and the exchange disagree on a stock's splits or bonus shares
    ├── AccessDenied                an organisation is not entitled to read what it asked for
    │   └── NotAuthenticated        no valid client credentials for this node (the API's 401)
    └── AttestationError            trusted execution: evidence, the alliance's policy, key release
        ├── EvidenceMalformed       the quote, its collateral or the evidence record does not parse
        ├── EvidenceRefused         the quote does not verify (signature, certificate chain, CRL, TCB level)
        ├── CollateralExpired       the verification time is outside the collateral's issueDate..nextUpdate
        ├── PolicyRefused           evidence type, TCB status, advisory or measurement outside the policy
        ├── ReportDataMismatch      the report data does not commit to the worker's X25519 key
        └── WorkerNotAttested       the worker's attestation is not valid now (unknown, expired, revoked)
"""

from __future__ import annotations


class PledgenetError(Exception):
    """Base of every error pledgenet raises on purpose."""

    #: the default reason code
    code: str = "error"
    #: the other reason codes this class (and no other) raises, listed in ``CODES``
    codes: tuple[str, ...] = ()

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class ConfigError(PledgenetError):
    code = "config"


class LedgerError(PledgenetError):
    code = "ledger"


class MalformedTransaction(LedgerError):
    code = "malformed"
    codes: tuple[str, ...] = ("too_large", "wrong_alliance", "foreign_submitter")


class InvalidSignature(LedgerError):
    code = "bad_signature"


class IdentityError(LedgerError):
    code = "bad_identity"
    codes: tuple[str, ...] = (
        "bad_org_id",
        "bad_root",
        "bad_seed",
        "certificate_expired",
        "certificate_not_yet_valid",
        "certificate_revoked",
        "forged_certificate",
        "malformed_certificate",
        "root_expired",
        "root_not_yet_valid",
        "unknown_issuer",
        "unknown_role",
        "unknown_signer",
        "wrong_certificate",
        # client certificates a member issues for its node's API (crypto.client_credential)
        "bad_client_name",
        "client_issuer_key_mismatch",
        "not_a_client_certificate",
        "client_of_no_member",
        "client_certificate_unknown_issuer",
        "client_certificate_bad_issuer_key",
        "client_certificate_forged",
        "client_certificate_malformed",
        "client_certificate_not_yet_valid",
        "client_certificate_expired",
        "client_certificate_revoked",
    )


class EndorsementMissing(LedgerError):
    code = "endorsement_missing"


class ReplayedNonce(LedgerError):
    code = "replayed_nonce"


class RoleDenied(LedgerError):
    code = "role_denied"


class UnknownOperation(LedgerError):
    code = "unknown_operation"


class StateDivergence(LedgerError):
    code = "state_divergence"


class IntegrityError(LedgerError):
    code = "integrity"


class NotFound(LedgerError):
    code = "not_found"
    codes: tuple[str, ...] = ("not_committed", "no_closes")


class OrderingUnavailable(LedgerError):
    """The ordering cluster is unreachable, has no quorum, or refused the request: resubmit later."""

    code = "ordering_unavailable"


class ContractError(PledgenetError):
    code = "contract"
    codes: tuple[str, ...] = ("bad_key", "null_value", "handler_error")


class GovernanceError(ContractError):
    code = "governance"
    codes: tuple[str, ...] = (
        "already_member",
        "already_voted",
        "bad_action",
        "bad_args",
        "bad_param",
        "last_governor",
        "no_genesis",
        "no_proposal",
        "not_genesis",
        "not_member",
        "proposal_closed",
        "proposal_expired",
        "unknown_param",
    )


class RegisterError(ContractError):
    code = "register"


class BadRegisterArguments(RegisterError):
    code = "bad_arguments"


class UnknownRecord(RegisterError):
    code = "unknown_record"
    codes: tuple[str, ...] = (
        "unknown_account",
        "unknown_contract",
        "unknown_freeze",
        "unknown_holding",
        "unknown_pledge",
        "unknown_security",
    )


class DuplicateRecord(RegisterError):
    code = "duplicate_record"


class OverPledge(RegisterError):
    code = "over_pledge"
    codes: tuple[str, ...] = ("exceeds_holding", "insufficient_free_shares", "insufficient_frozen_shares")


class SharesFrozen(RegisterError):
    code = "shares_frozen"


class CapExceeded(RegisterError):
    code = "cap_exceeded"
    codes: tuple[str, ...] = ("pledgee_cap_exceeded", "product_cap_exceeded", "stock_cap_exceeded")


class TermsViolation(RegisterError):
    code = "terms_violation"
    codes: tuple[str, ...] = (
        "amount_below_minimum",
        "lines_inconsistent",
        "pledge_rate_exceeded",
        "term_too_long",
        "use_of_funds_forbidden",
    )


class BorrowerNotEligible(RegisterError):
    code = "borrower_not_eligible"


class WrongState(RegisterError):
    code = "wrong_state"


class NotAParty(RegisterError):
    code = "not_a_party"


class EnvelopeRecipients(RegisterError):
    code = "envelope_recipients"
    #: the registrar's verdict when a recipient's wrap does not open to the envelope's data key
    codes: tuple[str, ...] = ("terms_unreadable",)


class VerdictMismatch(RegisterError):
    code = "verdict_mismatch"


class EnvelopeMisbound(RegisterError):
    code = "envelope_binding"


class DisposalLimitExceeded(RegisterError):
    code = "disposal_limit_exceeded"


class MarketDataError(ContractError):
    code = "market_data"


class DataGovernanceError(ContractError):
    code = "data_governance"


class BadDataArguments(DataGovernanceError):
    code = "bad_data_arguments"
    codes: tuple[str, ...] = ("unknown_purpose", "unknown_column")


class UnknownDataRecord(DataGovernanceError):
    code = "not_in_catalog"
    codes: tuple[str, ...] = ("unknown_grant", "unknown_job", "unknown_document", "unknown_version")


class DuplicateDataRecord(DataGovernanceError):
    code = "duplicate_data_record"


class GradingForbids(DataGovernanceError):
    code = "grading_forbids"
    codes: tuple[str, ...] = ("plaintext_forbidden", "operation_forbidden", "purpose_required")


class GrantInvalid(DataGovernanceError):
    code = "no_grant"
    codes: tuple[str, ...] = (
        "grant_expired",
        "grant_revoked",
        "grant_refused",
        "grant_not_approved",
        "not_grantee",
        "purpose_mismatch",
        "operation_not_granted",
        "columns_not_granted",
        "uses_exhausted",
    )


class NotAnApprover(DataGovernanceError):
    code = "not_an_approver"
    codes: tuple[str, ...] = ("already_decided",)


class JobRefused(DataGovernanceError):
    code = "job_refused"
    codes: tuple[str, ...] = ("job_not_accepted", "not_a_participant", "job_closed")


class ContentMismatch(DataGovernanceError):
    code = "content_mismatch"


class PrivacyError(PledgenetError):
    code = "privacy"
    codes: tuple[str, ...] = ("bad_prg", "bad_private_key")


class KeyMismatch(PrivacyError):
    code = "key_mismatch"


class EncodingOverflow(PrivacyError):
    code = "encoding_overflow"
    codes: tuple[str, ...] = (
        "bad_codec",
        "bad_layout",
        "bad_shape",
        "ring_overflow",
        "aggregate_out_of_bounds",
    )


class ProtocolError(PrivacyError):
    code = "protocol"


class PeerAborted(ProtocolError):
    code = "peer_aborted"


class CuckooFailure(PrivacyError):
    code = "cuckoo_failure"


class ShareError(PrivacyError):
    code = "share"


class BelowThreshold(ShareError):
    code = "below_threshold"


class WeakParameters(PrivacyError):
    code = "weak_parameters"
    codes: tuple[str, ...] = ("bad_ring", "bad_secagg", "ring_too_small")


class EnvelopeError(PrivacyError):
    code = "envelope_invalid"


class DataError(PledgenetError):
    code = "data"
    codes: tuple[str, ...] = ("unsupported_psi_mode",)


class MissingPrice(DataError):
    code = "missing_price"


class CorporateActionMismatch(DataError):
    code = "corporate_action_mismatch"


class AccessDenied(PledgenetError):
    code = "access_denied"
    codes: tuple[str, ...] = ("not_this_member",)


class NotAuthenticated(AccessDenied):
    code = "not_authenticated"
    codes: tuple[str, ...] = (
        "no_credentials",
        "bad_nonce",
        "bad_timestamp",
        "stale_request",
        "bad_request_signature",
        "replayed_request",
        "no_session",
        "session_revoked",
        "csrf",
        "malformed_credential",
        "credential_key_mismatch",
    )


class AttestationError(PledgenetError):
    code = "attestation"
    codes: tuple[str, ...] = (
        "bad_attest_arguments",
        "not_operator",
        "duplicate_dataset",
        "unknown_dataset",
        "not_owner",
        "unknown_request",
        "request_closed",
        "duplicate_job",
        "not_released",
    )


class EvidenceMalformed(AttestationError):
    code = "evidence_malformed"


class EvidenceRefused(AttestationError):
    code = "evidence_refused"


class CollateralExpired(AttestationError):
    code = "collateral_expired"


class PolicyRefused(AttestationError):
    code = "policy_refused"
    codes: tuple[str, ...] = (
        "evidence_type_not_allowed",
        "tcb_status_not_accepted",
        "advisory_not_accepted",
        "measurement_not_allowed",
        "development_only",
    )


class ReportDataMismatch(AttestationError):
    code = "report_data_mismatch"


class WorkerNotAttested(AttestationError):
    code = "worker_not_attested"


def _classes(root: type[PledgenetError]) -> list[type[PledgenetError]]:
    found = [root]
    for kind in root.__subclasses__():
        found.extend(_classes(kind))
    return found


def _code_table() -> dict[str, type[PledgenetError]]:
    table: dict[str, type[PledgenetError]] = {}
    for kind in _classes(PledgenetError):
        for code in (kind.code, *kind.__dict__.get("codes", ())):
            if code in table:
                raise RuntimeError(
                    f"reason code {code!r} is listed by {table[code].__name__} and {kind.__name__}"
                )
            table[code] = kind
    return table


#: every reason code, to the one class that raises it (its default ``code`` or one of its ``codes``)
CODES: dict[str, type[PledgenetError]] = _code_table()


def error_class(code: str) -> type[PledgenetError]:
    """The class that raises reason ``code``; ``ContractError`` for a code no class lists (a contract
    outside this package may bring its own codes)."""
    return CODES.get(code, ContractError)


def refusal(code: str, message: str) -> PledgenetError:
    """The error a transaction recorded invalid with ``code`` stands for: an instance of exactly the class
    the peer caught (``except OverPledge`` around a client call fires for ``over_pledge``)."""
    return error_class(code)(message, code=code)
