# SPDX-License-Identifier: AGPL-3.0-or-later
"""Test aids shipped with Sealbox. They may import anything; nothing in the product imports them."""
