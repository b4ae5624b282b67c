# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Sealbox server: stores what clients seal and never holds a key that opens it."""
