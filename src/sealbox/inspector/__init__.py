# SPDX-License-Identifier: AGPL-3.0-or-later
"""The abuse-report inspector (spec/compliance.md §8): a process of its own, with no database
URL and no blob-store credentials, that talks to the server's HTTP API only. It takes a reported
link (with the key the reporter handed over) from the server's memory queue, reads the link's
file, decrypts it in memory, hashes it (SHA-256, MD5, and PDQ for images), matches the hashes
against hash sets loaded from files, and posts the hashes back. Plaintext never touches disk.

The server never imports this package (an import-linter contract says so): it is the only place
besides the clients where a link key opens anything.
"""
