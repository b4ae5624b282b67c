# SPDX-License-Identifier: AGPL-3.0-or-later
"""The log's entries, parsed strictly (spec/transparency.md §Entries).

An entry is the canonical JSON of one compliance event. A figure is only as good as the entries it
counts, so anything the spec does not define is refused, never skipped: an unknown kind or field,
a missing field, a value of the wrong type or outside its list, a time not to the minute, or bytes
that are not the canonical encoding of what they hold. Every refusal names the entry's index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
COUNTRY = re.compile(r"[A-Z]{2}")
CATEGORY = re.compile(r"STATEMENT_CATEGORY_[A-Z_]{1,80}")
# The offence list is fixed by the requests register; the log admits only its tokens' shape, so
# that no free text (a name, a case number) can reach a public entry.
OFFENCE = re.compile(r"[a-z][a-z0-9_]{0,47}")

NOTICE_SOURCES = ("form", "api", "trusted_flagger", "abuse_report")
DECISION_OUTCOMES = ("upheld", "rejected")
GROUNDS = ("law", "terms")
SCOPES = ("link", "file", "everywhere", "folder")
COUNTER_STATES = ("filed", "restored", "court_action")
ACCOUNT_ACTIONS = ("suspended", "closed", "reinstated")
ACCOUNT_CAUSES = ("strikes", "abuse", "resharing", "appeal")
APPEAL_OUTCOMES = ("granted", "denied")
REQUEST_TYPES = ("law_enforcement", "court_order", "emergency", "private", "dsa_order")
REQUEST_OUTCOMES = ("provided", "partly_provided", "declined", "mla_referred", "no_data")


class EntryError(ValueError):
    """An entry the report cannot count: it is not what spec/transparency.md defines."""

    def __init__(self, index: int, problem: str) -> None:
        super().__init__(f"log entry {index}: {problem}")
        self.index = index
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Entry:
    """One parsed entry: its index in the log, its kind, its time and its other fields."""

    index: int
    kind: str
    at: str
    fields: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]


Check = Callable[[Any], str | None]  # the problem with a value, or None when it is valid


def _one_of(*allowed: str) -> Check:
    def check(v: Any) -> str | None:
        if isinstance(v, str) and v in allowed:
            return None
        return f"is {v!r}, not one of {', '.join(allowed)}"

    return check


def _matching(pattern: re.Pattern[str], what: str) -> Check:
    def check(v: Any) -> str | None:
        if isinstance(v, str) and pattern.fullmatch(v):
            return None
        return f"is {v!r}, not {what}"

    return check


def _count(v: Any) -> str | None:
    return None if type(v) is int and v >= 0 else f"is {v!r}, not a whole number ≥ 0"


def _flag(v: Any) -> str | None:
    return None if type(v) is bool else f"is {v!r}, not true or false"


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else f"is {v!r}, not a text"


def _time(v: Any) -> str | None:
    if not (isinstance(v, str) and AT.fullmatch(v)):
        return f"is {v!r}, not a UTC time to the minute like 2026-07-14T09:31Z"
    try:
        datetime.strptime(v, "%Y-%m-%dT%H:%MZ")
    except ValueError:
        return f"is {v!r}, which is not a date and time"
    return None


def _date(v: Any) -> str | None:
    if not (isinstance(v, str) and DATE.fullmatch(v)):
        return f"is {v!r}, not a date like 2026-07-21"
    try:
        datetime.strptime(v, "%Y-%m-%d")
    except ValueError:
        return f"is {v!r}, which is not a date"
    return None


def _scope(v: Any) -> str | None:
    return None if v is None else _one_of(*SCOPES)(v)


_puid = _matching(PUID, "a public id (a lower-case version 4 UUID)")


def _or_null(check: Check) -> Check:
    """A field the spec lets be null where its value is not known (spec/transparency.md)."""
    return lambda v: None if v is None else check(v)


_category = _matching(CATEGORY, "a decision category like STATEMENT_CATEGORY_VIOLENCE")

FIELDS: dict[str, dict[str, Check]] = {
    "notice": {"source": _one_of(*NOTICE_SOURCES), "category": _category},
    "decision": {
        "puid": _or_null(_puid),  # null for a rejected decision: it has no public id
        "outcome": _one_of(*DECISION_OUTCOMES),
        "category": _category,
        "ground": _one_of(*GROUNDS),
        "scope": _scope,
        "links": _count,
        "nodes": _count,
        "automated": _flag,
        "received": _time,
        "source": _one_of(*NOTICE_SOURCES),
    },
    "counter_notice": {"puid": _puid, "state": _one_of(*COUNTER_STATES)},
    "account_action": {"action": _one_of(*ACCOUNT_ACTIONS), "cause": _one_of(*ACCOUNT_CAUSES)},
    # received is null for an appeal filed before the server recorded when appeals come in
    "appeal": {"puid": _puid, "outcome": _one_of(*APPEAL_OUTCOMES), "received": _or_null(_time)},
    "request": {
        "type": _one_of(*REQUEST_TYPES),
        "country": _matching(COUNTRY, "a country code like DE (ISO 3166-1 alpha-2)"),
        "offence": _matching(OFFENCE, "an offence category like fraud (never free text)"),
        "outcome": _one_of(*REQUEST_OUTCOMES),
        "received": _time,
    },
    "disclosure": {"records": _count},
    "data_export": {},
    "erasure": {},
    "census": {"accounts": _count, "files": _count, "links": _count},
    "canary": {"statement": _text, "next": _date},
}
COMMON = ("v", "kind", "at")


def canonical(obj: Mapping[str, Any]) -> bytes:
    """The one encoding of an entry the log admits (spec/transparency.md §Entries)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"the field {key!r} appears twice")
    return dict(pairs)


def _decode(index: int, data: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as exc:
        raise EntryError(index, "is not UTF-8") from exc
    except ValueError as exc:
        raise EntryError(index, f"is not JSON ({exc})") from exc
    if not isinstance(obj, dict):
        raise EntryError(index, "is not a JSON object")
    if canonical(obj) != data:
        raise EntryError(index, "is not in the canonical encoding (sorted keys, no whitespace)")
    return obj


def _check_fields(index: int, obj: dict[str, Any]) -> None:
    kind = obj.get("kind")
    if obj.get("v") != 1 or type(obj.get("v")) is not int:
        raise EntryError(index, f"has version {obj.get('v')!r}; this report reads version 1")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise EntryError(index, f"has the unknown kind {kind!r}")
    schema = FIELDS[kind]
    unknown = sorted(set(obj) - set(schema) - set(COMMON))
    if unknown:
        raise EntryError(index, f"has the unknown field {unknown[0]!r} for a {kind} entry")
    for name, check in {"at": _time, **schema}.items():
        if name not in obj:
            raise EntryError(index, f"lacks the field {name!r} of a {kind} entry")
        problem = check(obj[name])
        if problem:
            raise EntryError(index, f"{kind} field {name!r} {problem}")


def _check_coherence(index: int, obj: dict[str, Any]) -> None:
    if obj["kind"] == "decision" and obj["outcome"] == "upheld":
        if obj["scope"] is None or obj["puid"] is None:
            raise EntryError(index, "an upheld decision has a scope and a public id")
    elif obj["kind"] == "decision" and obj["scope"] is not None:
        raise EntryError(index, "a rejected decision has no scope")


def parse_entry(index: int, data: bytes) -> Entry:
    """The entry at ``index`` of the log, or ``EntryError`` naming that index and the problem."""
    obj = _decode(index, data)
    _check_fields(index, obj)
    _check_coherence(index, obj)
    rest = {k: v for k, v in obj.items() if k not in COMMON}
    return Entry(index=index, kind=obj["kind"], at=obj["at"], fields=rest)
