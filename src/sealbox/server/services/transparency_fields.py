# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a transparency-log entry may hold (spec/transparency.md §Entries), and its bytes.

An entry has exactly the fields its kind lists, and each value is of the shape the spec gives:
one of a fixed set of words, a count, a flag, a date, a category or a decision's public id. A
value of any other shape is refused, so no name, id or free text reaches the public log, from
this code or from code added later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime

# The fields of each kind besides v, kind and at (spec/transparency.md §Entries).
ENTRY_FIELDS: Mapping[str, frozenset[str]] = {
    "notice": frozenset({"source", "category"}),
    "decision": frozenset(
        "puid outcome category ground scope links nodes automated received source".split()
    ),
    "counter_notice": frozenset({"puid", "state"}),
    "account_action": frozenset({"action", "cause"}),
    "appeal": frozenset({"puid", "outcome", "received"}),
    "request": frozenset({"type", "country", "offence", "outcome", "received"}),
    "disclosure": frozenset({"records"}),
    "data_export": frozenset(),
    "erasure": frozenset(),
    "census": frozenset({"accounts", "files", "links"}),
    "canary": frozenset({"statement", "next"}),
}
MAX_STATEMENT = 1000  # characters of a canary's statement, the one text an operator writes
SOURCES = frozenset({"form", "api", "trusted_flagger", "abuse_report"})
# Fields whose value is one of a fixed set of words (None where the spec allows null).
WORDS: Mapping[tuple[str, str], frozenset[str | None]] = {
    ("notice", "source"): SOURCES,
    ("decision", "source"): SOURCES,
    ("decision", "outcome"): frozenset({"upheld", "rejected"}),
    ("decision", "ground"): frozenset({"law", "terms"}),
    ("decision", "scope"): frozenset({"link", "file", "everywhere", "folder", None}),
    ("counter_notice", "state"): frozenset({"filed", "restored", "court_action"}),
    ("account_action", "action"): frozenset({"suspended", "closed", "reinstated"}),
    ("account_action", "cause"): frozenset({"strikes", "abuse", "resharing", "appeal"}),
    ("appeal", "outcome"): frozenset({"granted", "denied"}),
    ("request", "type"): frozenset(
        {"law_enforcement", "court_order", "emergency", "private", "dsa_order"}
    ),
    ("request", "outcome"): frozenset(
        {"provided", "partly_provided", "declined", "mla_referred", "no_data"}
    ),
}
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_MINUTE = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z"
# Fields of a fixed shape, by name (None allowed where marked).
SHAPES: Mapping[str, tuple[re.Pattern[str], bool]] = {
    "puid": (re.compile(_UUID), True),
    "received": (re.compile(_MINUTE), True),
    "category": (re.compile(r"STATEMENT_CATEGORY_[A-Z_]{1,60}"), False),
    "country": (re.compile(r"[A-Z]{2}"), False),
    "offence": (re.compile(r"[a-z][a-z_]{0,39}"), False),
    "next": (re.compile(r"\d{4}-\d{2}-\d{2}"), False),
}
COUNTS = frozenset({"links", "nodes", "records", "accounts", "files"})


def _check(kind: str, name: str, value: object) -> None:
    """Raise ValueError unless ``value`` has the shape the spec gives field ``name``."""
    if (kind, name) in WORDS:
        ok = value in WORDS[kind, name]
    elif name in SHAPES:
        pattern, nullable = SHAPES[name]
        ok = (value is None and nullable) or (
            isinstance(value, str) and pattern.fullmatch(value) is not None
        )
    elif name in COUNTS:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    elif name == "automated":
        ok = isinstance(value, bool)
    else:  # the canary's statement: one line of the operator's text
        ok = isinstance(value, str) and 0 < len(value) <= MAX_STATEMENT and value.isprintable()
    if not ok:
        raise ValueError(f"the {kind} entry's {name} has a value the spec does not allow")


def minute(seconds: float) -> str:
    """A time as entries carry it: UTC, to the minute (``2026-07-14T09:31Z``)."""
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%MZ")


def encode_entry(kind: str, fields: Mapping[str, object], at: float) -> bytes:
    """The entry's bytes: canonical JSON with its keys sorted and no whitespace."""
    expected = ENTRY_FIELDS.get(kind)
    if expected is None:
        raise ValueError(f"the transparency log has no entry kind {kind!r}")
    if set(fields) != expected:
        wrong = sorted(set(fields) ^ expected)
        raise ValueError(f"a {kind} entry has exactly the fields of the spec; wrong: {wrong}")
    for name, value in fields.items():
        _check(kind, name, value)
    entry = {**fields, "v": 1, "kind": kind, "at": minute(at)}
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
