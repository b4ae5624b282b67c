# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sealbox clients: the SDK and everything built on it. All encryption happens here."""
