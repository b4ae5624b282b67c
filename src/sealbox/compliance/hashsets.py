# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hash sets and matching (spec/compliance.md §8): exact SHA-256 and MD5, and PDQ within a
Hamming distance. Pure: the inspector computes the hashes, this decides whether they match."""

import json
from dataclasses import dataclass
from pathlib import Path

KINDS = ("sha256", "md5", "pdq")
HEX_LENGTH = {"sha256": 64, "md5": 32, "pdq": 64}
DEFAULT_PDQ_DISTANCE = 31


@dataclass(frozen=True, slots=True)
class HashSet:
    label: str
    exact: frozenset[tuple[str, str]]
    pdq: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Match:
    label: str
    kind: str
    distance: int


def _entry(raw: object, where: str) -> tuple[str, str]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: an entry is an object {{type, hash}}")
    kind, value = raw.get("type"), raw.get("hash")
    if kind not in KINDS or not isinstance(value, str):
        raise ValueError(f"{where}: type must be one of {', '.join(KINDS)} with a hex hash")
    value = value.strip().lower()
    try:
        bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"{where}: {kind} hash is not hexadecimal") from None
    if len(value) != HEX_LENGTH[kind]:
        raise ValueError(f"{where}: a {kind} hash has {HEX_LENGTH[kind]} hex digits")
    return kind, value


def parse(text: str, where: str) -> HashSet:
    """A hash set from its JSON text; raises ValueError naming ``where`` if it is malformed."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise ValueError(f"{where}: expected {{label, entries: [...]}}")
    entries = [_entry(e, where) for e in doc["entries"]]
    exact = frozenset(e for e in entries if e[0] != "pdq")
    pdq = tuple(int(v, 16) for k, v in entries if k == "pdq")
    return HashSet(label=str(doc.get("label", where)), exact=exact, pdq=pdq)


def load(path: Path) -> HashSet:
    return parse(path.read_text(encoding="utf-8"), str(path))


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def match(
    sets: list[HashSet], hashes: dict[str, str], pdq_distance: int = DEFAULT_PDQ_DISTANCE
) -> Match | None:
    """The first set an exact hash or a PDQ hash (within ``pdq_distance``) is found in."""
    for hashset in sets:
        for kind in ("sha256", "md5"):
            value = hashes.get(kind)
            if value is not None and (kind, value.lower()) in hashset.exact:
                return Match(hashset.label, kind, 0)
        pdq = hashes.get("pdq")
        if pdq is not None and hashset.pdq:
            best = min(hamming(int(pdq, 16), h) for h in hashset.pdq)
            if best <= pdq_distance:
                return Match(hashset.label, "pdq", best)
    return None
