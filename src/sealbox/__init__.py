# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sealbox: a zero-knowledge cloud drive. The normative description lives in ``spec/``."""

__version__ = "0.1.0"
# The licence of every file here (LICENSE holds its text). Section 13 obliges a server that runs
# this code, modified or not, to offer its users the source: GET /v1/source does (spec/http-api.md).
LICENSE = "AGPL-3.0-or-later"
