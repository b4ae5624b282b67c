# SPDX-License-Identifier: AGPL-3.0-or-later
"""Decisions in the DSA Transparency Database statement-of-reasons shape (DSA Art. 17;
spec/compliance.md §5). The public id is a fresh UUID, never an account, node or link id."""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sealbox.compliance.ids import Randomness, new_puid
from sealbox.compliance.notices import Scope

CATEGORY_OF_KIND = {
    "copyright": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "csam": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "violent_extremism": "STATEMENT_CATEGORY_VIOLENCE",
    "other_illegal": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
}
LEGAL_GROUND_OF_KIND = {
    "copyright": "Copyright infringement (17 U.S.C. §512(c); DSA Art. 16 notice)",
    "csam": "Child sexual abuse material (18 U.S.C. §2258A; Directive 2011/93/EU)",
    "violent_extremism": "Terrorist content (Regulation (EU) 2021/784)",
    "other_illegal": "Illegal content under the applicable law",
}


@dataclass(frozen=True, slots=True)
class StatementOfReasons:
    puid: str
    decision_visibility: str | None
    decision_account: str | None
    decision_ground: str
    illegal_content_legal_ground: str
    illegal_content_explanation: str
    category: str
    source_type: str
    automated_detection: str
    automated_decision: str
    application_date: str
    decision_facts: str
    content_type: str = "CONTENT_TYPE_OTHER"
    territorial_scope: str = "worldwide"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def visibility_of(scope: Scope | None) -> str | None:
    if scope is None:
        return None
    if scope is Scope.EVERYWHERE:
        return "DECISION_VISIBILITY_CONTENT_REMOVED"
    return "DECISION_VISIBILITY_CONTENT_DISABLED"


@dataclass(frozen=True, slots=True)
class DecisionInput:
    kind: str
    scope: Scope | None
    account: str | None
    explanation: str
    facts: str
    trusted_flagger: bool = False
    automated: bool = False
    voluntary: bool = False


def source_of(d: DecisionInput) -> str:
    if d.voluntary:
        return "SOURCE_VOLUNTARY"
    return "SOURCE_TRUSTED_FLAGGER" if d.trusted_flagger else "SOURCE_ARTICLE_16"


def statement(d: DecisionInput, now: float, random: Randomness) -> StatementOfReasons:
    """The statement of reasons for a decision taken at ``now``."""
    return StatementOfReasons(
        puid=new_puid(random),
        decision_visibility=visibility_of(d.scope),
        decision_account=d.account,
        decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",
        illegal_content_legal_ground=LEGAL_GROUND_OF_KIND[d.kind],
        illegal_content_explanation=d.explanation,
        category=CATEGORY_OF_KIND[d.kind],
        source_type=source_of(d),
        automated_detection="Yes" if d.automated else "No",
        automated_decision=(
            "AUTOMATED_DECISION_PARTIALLY" if d.automated else "AUTOMATED_DECISION_NOT_AUTOMATED"
        ),
        application_date=datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%d"),
        decision_facts=d.facts,
    )
