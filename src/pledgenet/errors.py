"""The one exception tree of pledgenet.

Every error the system raises on purpose is a ``PledgenetError``. Each carries a short machine-readable
``code`` (the reason code recorded beside an invalid transaction, the API's error code) and a message a
person understands. Low-level errors are translated at the boundary (``raise X(...) from None``); the CLI
maps the branches to exit codes and the API to HTTP status codes.

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
    │   └── NotFound                no such block, transaction or key
    ├── ContractError               a business rule refused the operation (the tx is invalid, nothing changed)
    │   ├── GovernanceError         votes, members, parameters
    │   └── RegistryError           the pledge register (see pledgenet.contracts.registry)
    │       ├── BadRegistryArguments    an argument is missing, of the wrong type or out of range
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
    │       ├── VerdictMismatch         the registrar's verdict on sealed terms is for another envelope
    │       └── DisposalLimitExceeded   forced sales past the reduction rules (1% / 2% per 90 days)
    │   └── MarketDataError         the market contract refused a price or notice (see contracts.market)
    ├── PrivacyError                privacy computing
    │   ├── KeyMismatch             ciphertexts or keys of different parties mixed
    │   ├── EncodingOverflow        a value does not fit the declared fixed-point or packing bounds
    │   ├── ProtocolError           a peer broke the protocol (bad message, wrong order)
    │   │   └── PeerAborted         a peer stopped mid-protocol (its failure, or its link lost) and said so
    │   ├── CuckooFailure           PSI cuckoo hashing could not place every item (rare; rerun)
    │   ├── ShareError              too few, duplicate or inconsistent secret shares
    │   ├── WeakParameters          a key or security parameter below the safe minimum
    │   └── EnvelopeError           a sealed envelope is malformed, tampered with or the key does not fit
    ├── DataError                   input data: missing columns, wrong types, empty sets
    │   ├── MissingPrice            a stock the risk engine must value has no published close (never filled)
    │   └── CorporateActionMismatch the register and the exchange disagree on a stock's splits or bonus shares
    └── AccessDenied                an organisation is not entitled to read what it asked for
        └── NotAuthenticated        no valid client credentials for this node (the API's 401)
"""

from __future__ import annotations


class PledgenetError(Exception):
    """Base of every error pledgenet raises on purpose."""

    code: str = "error"

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


class InvalidSignature(LedgerError):
    code = "bad_signature"


class IdentityError(LedgerError):
    code = "bad_identity"


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


class ContractError(PledgenetError):
    code = "contract"


class GovernanceError(ContractError):
    code = "governance"


class RegistryError(ContractError):
    code = "registry"


class BadRegistryArguments(RegistryError):
    code = "bad_arguments"


class UnknownRecord(RegistryError):
    code = "unknown_record"


class DuplicateRecord(RegistryError):
    code = "duplicate_record"


class OverPledge(RegistryError):
    code = "over_pledge"


class SharesFrozen(RegistryError):
    code = "shares_frozen"


class CapExceeded(RegistryError):
    code = "cap_exceeded"


class TermsViolation(RegistryError):
    code = "terms_violation"


class BorrowerNotEligible(RegistryError):
    code = "borrower_not_eligible"


class WrongState(RegistryError):
    code = "wrong_state"


class NotAParty(RegistryError):
    code = "not_a_party"


class EnvelopeRecipients(RegistryError):
    code = "envelope_recipients"


class VerdictMismatch(RegistryError):
    code = "verdict_mismatch"


class DisposalLimitExceeded(RegistryError):
    code = "disposal_limit_exceeded"


class MarketDataError(ContractError):
    code = "market_data"


class PrivacyError(PledgenetError):
    code = "privacy"


class KeyMismatch(PrivacyError):
    code = "key_mismatch"


class EncodingOverflow(PrivacyError):
    code = "encoding_overflow"


class ProtocolError(PrivacyError):
    code = "protocol"


class PeerAborted(ProtocolError):
    code = "peer_aborted"


class CuckooFailure(PrivacyError):
    code = "cuckoo_failure"


class ShareError(PrivacyError):
    code = "share"


class WeakParameters(PrivacyError):
    code = "weak_parameters"


class EnvelopeError(PrivacyError):
    code = "envelope_invalid"


class DataError(PledgenetError):
    code = "data"


class MissingPrice(DataError):
    code = "missing_price"


class CorporateActionMismatch(DataError):
    code = "corporate_action_mismatch"


class AccessDenied(PledgenetError):
    code = "access_denied"


class NotAuthenticated(AccessDenied):
    code = "not_authenticated"
