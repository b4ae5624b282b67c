# SPDX-License-Identifier: AGPL-3.0-or-later
"""The `sealbox` command line: the SDK for people and scripts. Nothing imports this package."""
