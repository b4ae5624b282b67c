# SPDX-License-Identifier: AGPL-3.0-or-later
"""The port through which services hand compliance events to the transparency log
(spec/transparency.md, "Entries"): ``log(kind, fields)`` with only the fields the kind names.
``build_services`` passes the log's append (services/transparency.py) to every service that
writes one; what it returns (the entry's index) is not used."""

from collections.abc import Callable, Mapping

TransparencyLog = Callable[[str, Mapping[str, object]], object]


def no_log(kind: str, fields: Mapping[str, object]) -> None:
    """Without a transparency log, entries go nowhere."""
