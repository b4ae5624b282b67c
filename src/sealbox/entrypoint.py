# SPDX-License-Identifier: AGPL-3.0-or-later
"""The ``sealbox`` console script.

Operator commands (``server``, ``admin``) and user commands live in packages that must never import
each other, so this module, which belongs to neither, picks one of them by the first argument and
imports only that one. The server never imports the crypto package either; the one key it holds
that needs it, the transparency log's signing key (it opens nothing), gets its Ed25519 signer from
here.
"""

import sys
from importlib import import_module

OPERATOR_COMMANDS = frozenset({"server", "admin"})


def main() -> None:
    first = sys.argv[1] if len(sys.argv) > 1 else ""
    if first in OPERATOR_COMMANDS:
        notes = import_module("sealbox.crypto.notes")
        import_module("sealbox.server.cli").main(log_signer=notes.NoteSigner)
    else:
        import_module("sealbox.client.cli.main").main()
