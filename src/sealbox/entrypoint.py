# SPDX-License-Identifier: AGPL-3.0-or-later
"""The ``sealbox`` console script.

Operator commands (``server``, ``admin``) and user commands live in packages that must never import
each other, so this module, which belongs to neither, picks one of them by the first argument and
imports only that one.
"""

import sys
from importlib import import_module

OPERATOR_COMMANDS = frozenset({"server", "admin"})


def main() -> None:
    first = sys.argv[1] if len(sys.argv) > 1 else ""
    if first in OPERATOR_COMMANDS:
        module = import_module("sealbox.server.cli")
    else:
        module = import_module("sealbox.client.cli.main")
    module.main()
