# SPDX-License-Identifier: AGPL-3.0-or-later
"""Opaque ciphertext storage. Blob stores import nothing else from sealbox."""
