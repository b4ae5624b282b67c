# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every figure of the transparency report, computed from the entries of its period (issue 17,
item 6; spec/transparency.md §The report). Each section is one function from the parsed entries
to its figures; a figure's id says what it counts, its label says it in words, and docs/
transparency.md §"Reading the report" says how each is computed so anyone can redo it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sealbox.compliance.report.entries import (
    APPEAL_OUTCOMES,
    GROUNDS,
    NOTICE_SOURCES,
    REQUEST_OUTCOMES,
    REQUEST_TYPES,
    SCOPES,
    Entry,
)
from sealbox.compliance.report.measures import (
    Value,
    average_hours,
    median_hours,
    percent,
    response_minutes,
)

COPYRIGHT = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
COUNT, PERCENT, HOURS = "count", "percent", "hours"
CATEGORY_PREFIX = "STATEMENT_CATEGORY_"


def key_text(key: str) -> str:
    """A breakdown's key in words: a decision category without its prefix, in lower case."""
    if key.startswith(CATEGORY_PREFIX):
        return key[len(CATEGORY_PREFIX) :].replace("_", " ").lower()
    return key.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Figure:
    id: str
    label: str
    unit: str  # count, percent or hours
    value: Value


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    figures: tuple[Figure, ...]


class Entries:
    """The entries of one period, with the selections the sections share."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.all = tuple(entries)

    def of(self, kind: str, **match: object) -> list[Entry]:
        return [e for e in self.all if e.kind == kind and all(e[k] == v for k, v in match.items())]

    def upheld(self, copyright_: bool) -> list[Entry]:
        return [
            e
            for e in self.of("decision", outcome="upheld")
            if (e["category"] == COPYRIGHT) == copyright_
        ]

    def census(self) -> Entry | None:
        """The last census of the period, in log order."""
        found = self.of("census")
        return found[-1] if found else None


def _count(id_: str, label: str, entries: Iterable[object]) -> Figure:
    return Figure(id_, label, COUNT, sum(1 for _ in entries))


def _total(id_: str, label: str, entries: Iterable[Entry], field: str) -> Figure:
    return Figure(id_, label, COUNT, sum(e[field] for e in entries))


def _breakdown(
    prefix: str, label: str, values: Iterable[str], fixed: Sequence[str] = ()
) -> list[Figure]:
    """One count per value: every value of a fixed list (zeros included), else those seen."""
    counts = Counter(values)
    keys = list(fixed) or sorted(counts)
    return [
        Figure(f"{prefix}.{key}", f"{label}: {key_text(key)}", COUNT, counts[key]) for key in keys
    ]


def _share(figure: Figure, whole: int | None, of: str) -> Figure:
    assert isinstance(figure.value, int)
    label = f"{figure.label}, as a share of all {of} (last census of the period)"
    return Figure(
        f"{figure.id}.share_of_{of.split()[-1]}", label, PERCENT, percent(figure.value, whole)
    )


def scale(log: Entries) -> list[Figure]:
    census = log.census()
    return [
        Figure(f"census.{name}", label, COUNT, None if census is None else census[name])
        for name, label in (
            ("accounts", "Open accounts (last census of the period)"),
            ("files", "Stored files (last census of the period)"),
            ("links", "Enabled links (last census of the period)"),
        )
    ]


def copyright_(log: Entries) -> list[Figure]:
    census = log.census()
    files = None if census is None else census["files"]
    upheld = log.upheld(copyright_=True)
    takedowns = _count("copyright.takedowns", "Copyright takedowns", upheld)
    links = _total(
        "copyright.links_removed", "Links removed by copyright takedowns", upheld, "links"
    )
    nodes = _total(
        "copyright.nodes_removed",
        "Files and folders removed by copyright takedowns",
        upheld,
        "nodes",
    )
    return [
        _count(
            "copyright.notices", "Copyright notices received", log.of("notice", category=COPYRIGHT)
        ),
        takedowns,
        _share(takedowns, files, "stored files"),
        links,
        _share(links, files, "stored files"),
        nodes,
        _share(nodes, files, "stored files"),
        _count(
            "copyright.rejected",
            "Copyright notices rejected",
            log.of("decision", outcome="rejected", category=COPYRIGHT),
        ),
        *_breakdown(
            "counter_notices",
            "Counter-notices",
            (e["state"] for e in log.of("counter_notice")),
            ("filed", "restored", "court_action"),
        ),
    ]


def accounts(log: Entries) -> list[Figure]:
    census = log.census()
    suspended = _count(
        "accounts.suspended", "Accounts suspended", log.of("account_action", action="suspended")
    )
    return [
        suspended,
        _share(suspended, None if census is None else census["accounts"], "accounts"),
        _count("accounts.closed", "Accounts closed", log.of("account_action", action="closed")),
        _count(
            "accounts.reinstated",
            "Accounts reinstated",
            log.of("account_action", action="reinstated"),
        ),
    ]


def objectionable(log: Entries) -> list[Figure]:
    upheld = log.upheld(copyright_=False)
    closed = [
        e for e in log.of("account_action", action="closed") if e["cause"] in ("abuse", "resharing")
    ]
    return [
        _count(
            "objectionable.reports",
            "Abuse reports received",
            log.of("notice", source="abuse_report"),
        ),
        _count("objectionable.actions", "Objectionable content acted on", upheld),
        _count(
            "objectionable.automated",
            "… of which found by the inspector (hash match)",
            (e for e in upheld if e["automated"]),
        ),
        _total(
            "objectionable.links_disabled",
            "Links disabled for objectionable content",
            upheld,
            "links",
        ),
        _count("objectionable.closures", "Accounts closed for objectionable content", closed),
        *_breakdown(
            "objectionable.by_category",
            "Objectionable content acted on, by category",
            (e["category"] for e in upheld),
        ),
    ]


def _hours(prefix: str, what: str, entries: list[Entry]) -> list[Figure]:
    minutes = response_minutes(entries)
    return [
        Figure(f"{prefix}.average_hours", f"{what}: average hours", HOURS, average_hours(minutes)),
        Figure(f"{prefix}.median_hours", f"{what}: median hours", HOURS, median_hours(minutes)),
    ]


def law_enforcement(log: Entries) -> list[Figure]:
    police = log.of("request", type="law_enforcement")
    return [
        _count("requests.law_enforcement", "Law-enforcement requests answered", police),
        *_hours("requests.law_enforcement", "Response time to law enforcement", police),
        *_breakdown(
            "requests.by_type",
            "Requests for user data, by type",
            (e["type"] for e in log.of("request")),
            REQUEST_TYPES,
        ),
    ]


def legal_orders(log: Entries) -> list[Figure]:
    orders = [e for e in log.of("request") if e["type"] != "private"]
    rows = (f"{e['country']}.{e['offence']}.{e['outcome']}" for e in orders)
    return [
        _count(
            "legal_orders.total", "Legal orders answered (every request but private ones)", orders
        ),
        *_breakdown(
            "legal_orders.by_country", "Legal orders, by country", (e["country"] for e in orders)
        ),
        *_breakdown(
            "legal_orders.by_offence",
            "Legal orders, by alleged offence",
            (e["offence"] for e in orders),
        ),
        *_breakdown(
            "legal_orders.by_outcome",
            "Legal orders, by outcome",
            (e["outcome"] for e in orders),
            REQUEST_OUTCOMES,
        ),
        *_breakdown(
            "legal_orders.by_country_offence_outcome",
            "Legal orders, by country, offence and outcome",
            rows,
        ),
    ]


def private_requests(log: Entries) -> list[Figure]:
    private = log.of("request", type="private")
    outcome = Counter(e["outcome"] for e in private)
    provided = outcome["provided"] + outcome["partly_provided"]
    return [
        _count("private_requests.total", "Private requests for user data", private),
        Figure(
            "private_requests.provided",
            "Private requests: data provided in full or in part",
            COUNT,
            provided,
        ),
        *[
            Figure(
                f"private_requests.{o}",
                f"Private requests: {o.replace('_', ' ')}",
                COUNT,
                outcome[o],
            )
            for o in ("declined", "no_data", "mla_referred")
        ],
    ]


def data_subjects(log: Entries) -> list[Figure]:
    return [
        _count(
            "data_exports", "Data exports by users (GDPR Art. 15 and 20)", log.of("data_export")
        ),
        _count("erasures", "Accounts erased (GDPR Art. 17)", log.of("erasure")),
        _count("disclosures", "Disclosure packages produced", log.of("disclosure")),
        _total(
            "disclosures.records", "Records in disclosure packages", log.of("disclosure"), "records"
        ),
    ]


def dsa(log: Entries) -> list[Figure]:
    orders = log.of("request", type="dsa_order")
    actions = log.of("decision", outcome="upheld")
    appeals = log.of("appeal")
    return [
        _count("dsa.orders.total", "Art. 9/10 orders from authorities", orders),
        *_breakdown(
            "dsa.orders.by_country", "Orders, by Member State", (e["country"] for e in orders)
        ),
        *_breakdown(
            "dsa.orders.by_offence", "Orders, by alleged offence", (e["offence"] for e in orders)
        ),
        _hours("dsa.orders", "Orders, time to answer", orders)[1],
        _count("dsa.notices.total", "Notices received (Art. 16, abuse reports)", log.of("notice")),
        *_breakdown(
            "dsa.notices.by_source",
            "Notices, by source",
            (e["source"] for e in log.of("notice")),
            NOTICE_SOURCES,
        ),
        *_breakdown(
            "dsa.notices.by_category",
            "Notices, by category",
            (e["category"] for e in log.of("notice")),
        ),
        _count("dsa.actions.total", "Actions taken on notices", actions),
        *_breakdown(
            "dsa.actions.by_ground",
            "Actions, by ground (law or terms)",
            (e["ground"] for e in actions),
            GROUNDS,
        ),
        *_breakdown(
            "dsa.actions.by_scope", "Actions, by scope", (e["scope"] for e in actions), SCOPES
        ),
        _count(
            "dsa.actions.automated",
            "Actions on an automated match",
            (e for e in actions if e["automated"]),
        ),
        _hours("dsa.actions", "Time from notice to action", actions)[1],
        _count("dsa.notices.rejected", "Notices rejected", log.of("decision", outcome="rejected")),
        _count("dsa.appeals.total", "Appeals decided (Art. 20)", appeals),
        *_breakdown("dsa.appeals", "Appeals", (e["outcome"] for e in appeals), APPEAL_OUTCOMES),
        _hours("dsa.appeals", "Appeals, time to decide", appeals)[1],
    ]


def integrity(log: Entries) -> list[Figure]:
    return [
        _count("log.entries", "Log entries in the period", log.all),
        _count("log.canaries", "Warrant canaries published in the period", log.of("canary")),
    ]


SECTIONS: tuple[tuple[str, str, Callable[[Entries], list[Figure]]], ...] = (
    ("scale", "The service", scale),
    ("copyright", "Copyright", copyright_),
    ("accounts", "Accounts suspended and closed", accounts),
    ("objectionable", "Illegal and objectionable content", objectionable),
    ("law_enforcement", "Requests for user data", law_enforcement),
    ("legal_orders", "Legal orders", legal_orders),
    ("private_requests", "Private requests", private_requests),
    ("data_subjects", "Data exports, erasures and disclosures", data_subjects),
    ("dsa", "DSA Art. 15 (orders, notices, actions, appeals)", dsa),
    ("log", "The log", integrity),
)


def compute_sections(entries: Sequence[Entry]) -> list[Section]:
    """Every section's figures from the entries of one period."""
    log = Entries(entries)
    return [Section(id_, title, tuple(compute(log))) for id_, title, compute in SECTIONS]
