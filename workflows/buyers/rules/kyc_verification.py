"""The verdict of a platform-led (Mode B) verification: pure, so the workflow and tests agree.

The identity provider's final status and the AML screenings of the company and its
representative make one of three outcomes: VERIFIED, REJECTED (with a reason), or a REVIEW by
staff. Why each input leads where it does: docs/kyc.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

VERIFIED = "VERIFIED"
REJECTED = "REJECTED"
REVIEW = "REVIEW"

# AML levels of one screening
CLEAR = "CLEAR"
FLAGGED = "FLAGGED"
UNAVAILABLE = "UNAVAILABLE"  # the provider stayed down past the retry budget

# The identity provider's overall statuses (iDenfy)
APPROVED = "APPROVED"
DENIED = "DENIED"
SUSPECTED = "SUSPECTED"
REVIEWING = "REVIEWING"
EXPIRED = "EXPIRED"

COMPANY = "COMPANY"
PERSON = "PERSON"


@dataclass(frozen=True)
class AmlThresholds:
    review: int  # a match scoring at least this is looked at by staff
    flag: int  # at least this is a hit: the buyer is rejected


@dataclass
class AmlMatch:
    name: str  # the listed entity's name
    score: int  # 0-100, how closely it matches the screened name, nationality and birth date
    datasets: list[str] = field(default_factory=list)  # SANCTION_CURRENT, PEP_CURRENT, ...


@dataclass
class AmlScreening:
    subject: str  # COMPANY or PERSON
    full_name: str
    nationality: str | None
    date_of_birth: str | None  # YYYY-MM-DD, persons only
    checked_at: datetime
    check_id: str | None = None  # the provider's
    matches: list[AmlMatch] = field(default_factory=list)
    error: str | None = None  # why there is no answer (the provider stayed unavailable)

    @property
    def top(self) -> AmlMatch | None:
        return max(self.matches, key=lambda m: m.score, default=None)

    @property
    def top_score(self) -> int:
        return self.top.score if self.top else 0


def aml_level(screening: AmlScreening, thresholds: AmlThresholds) -> str:
    """CLEAR, REVIEW, FLAGGED or UNAVAILABLE: the best match's score against the thresholds."""
    if screening.error is not None:
        return UNAVAILABLE
    if screening.top_score >= thresholds.flag:
        return FLAGGED
    if screening.top_score >= thresholds.review:
        return REVIEW
    return CLEAR


@dataclass(frozen=True)
class Verdict:
    outcome: str  # VERIFIED, REJECTED or REVIEW
    aml_status: str  # the contract's amlStatus: PENDING, CLEAR or FLAGGED
    reason: str | None = None  # why REJECTED, or what staff are to look at in a REVIEW
    aml_doubt: bool = False  # a REVIEW (partly) for AML: a rejection then flags AML


def _tags(fraud_tags: list[str], mismatch_tags: list[str]) -> str:
    tags = [*fraud_tags, *mismatch_tags]
    return f" ({', '.join(tags)})" if tags else ""


def _hit(screening: AmlScreening) -> str:
    top = screening.top
    assert top is not None
    return (
        f"{screening.full_name} matches {top.name} on {', '.join(top.datasets) or 'a list'} "
        f"(score {top.score})"
    )


def aml_status(screenings: list[AmlScreening], thresholds: AmlThresholds) -> str:
    """FLAGGED on any hit; CLEAR once company and representative are both screened clear."""
    levels = {s.subject: aml_level(s, thresholds) for s in screenings}
    if FLAGGED in levels.values():
        return FLAGGED
    if levels.get(COMPANY) == CLEAR and levels.get(PERSON) == CLEAR:
        return CLEAR
    return "PENDING"


def verdict(
    identity_status: str,
    fraud_tags: list[str],
    mismatch_tags: list[str],
    screenings: list[AmlScreening],
    thresholds: AmlThresholds,
) -> Verdict:
    """The outcome of a final identity result and the screenings made so far.

    DENIED and SUSPECTED reject (the provider found the person not to be who they claim, or
    signs of fraud: the platform does not second-guess that), as does any AML hit. The
    provider REVIEWING, a near match or an AML provider that stayed down go to staff.
    """
    status = aml_status(screenings, thresholds)
    if identity_status in (DENIED, SUSPECTED):
        return Verdict(
            REJECTED,
            status,
            f"identity verification {identity_status}{_tags(fraud_tags, mismatch_tags)}",
        )
    levels = [(s, aml_level(s, thresholds)) for s in screenings]
    hits = [s for s, level in levels if level == FLAGGED]
    if hits:
        return Verdict(REJECTED, FLAGGED, "AML screening: " + "; ".join(_hit(s) for s in hits))
    doubts = [
        _hit(s) if level == REVIEW else f"AML screening of {s.full_name} unavailable ({s.error})"
        for s, level in levels
        if level in (REVIEW, UNAVAILABLE)
    ]
    if not any(s.subject == PERSON for s in screenings):
        doubts.append("the representative was not screened: the document gave no name")
    aml_doubt = bool(doubts)
    if identity_status == REVIEWING:
        doubts.insert(0, "the identity provider left the verification for manual review")
    if doubts:
        aml = "PENDING" if aml_doubt else status
        return Verdict(REVIEW, aml, "; ".join(doubts), aml_doubt=aml_doubt)
    return Verdict(VERIFIED, status)


def review_verdict(approve: bool, reason: str, pending: Verdict) -> Verdict:
    """Staff decide a REVIEW: approving clears the doubts (AML included), rejecting keeps them
    and an AML doubt becomes FLAGGED."""
    if approve:
        return Verdict(VERIFIED, CLEAR)
    aml = FLAGGED if pending.aml_doubt else pending.aml_status
    return Verdict(REJECTED, aml, f"staff: {reason}")
