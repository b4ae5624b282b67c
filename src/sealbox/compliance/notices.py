# SPDX-License-Identifier: AGPL-3.0-or-later
"""Copyright notices and counter-notices: their elements, and what is missing from one
(DMCA §512(c)(3), §512(g)(3), DSA Art. 16(2); spec/compliance.md §3.1, §4.2)."""

from dataclasses import dataclass, field
from enum import StrEnum


class Scope(StrEnum):
    """How far a takedown reaches (spec/compliance.md §3.2)."""

    LINK = "link"
    FILE = "file"
    EVERYWHERE = "everywhere"


class Role(StrEnum):
    PRINCIPAL = "principal"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class Notifier:
    name: str
    contact: str
    role: Role


@dataclass(frozen=True, slots=True)
class NoticeElements:
    notifier: Notifier
    signature: str
    works: tuple[str, ...]
    locators: tuple[str, ...]
    explanation: str
    good_faith: bool
    accurate_under_penalty: bool
    misrepresentation_acknowledged: bool
    scope: Scope
    file_ids: tuple[bytes, ...] = field(default=())


def _blank(text: str) -> bool:
    return not text.strip()


def missing_elements(notice: NoticeElements) -> list[str]:
    """The names of the required elements a notice lacks; empty for a complete notice."""
    checks = [
        ("notifier.name", _blank(notice.notifier.name)),
        ("notifier.contact", _blank(notice.notifier.contact)),
        ("signature", _blank(notice.signature)),
        ("works", not any(w.strip() for w in notice.works)),
        ("locators", not notice.locators),
        ("explanation", _blank(notice.explanation)),
        ("good_faith", not notice.good_faith),
        ("accurate_under_penalty", not notice.accurate_under_penalty),
        ("misrepresentation_acknowledged", not notice.misrepresentation_acknowledged),
    ]
    return [name for name, lacking in checks if lacking]


@dataclass(frozen=True, slots=True)
class CounterNotice:
    signature: str
    name: str
    address: str
    phone: str
    statement_under_penalty: bool
    consent_to_jurisdiction: bool
    accepts_service: bool


def missing_counter_elements(counter: CounterNotice) -> list[str]:
    checks = [
        ("signature", _blank(counter.signature)),
        ("name", _blank(counter.name)),
        ("address", _blank(counter.address)),
        ("phone", _blank(counter.phone)),
        ("statement_under_penalty", not counter.statement_under_penalty),
        ("consent_to_jurisdiction", not counter.consent_to_jurisdiction),
        ("accepts_service", not counter.accepts_service),
    ]
    return [name for name, lacking in checks if lacking]


def fingerprint(notice: NoticeElements, link_ids: list[bytes]) -> str:
    """What makes two notices duplicates: the same notifier naming the same links and works."""
    parts = [
        notice.notifier.contact.strip().lower(),
        *sorted(w.strip().lower() for w in notice.works),
        *sorted(i.hex() for i in link_ids),
    ]
    return "\x1f".join(parts)
