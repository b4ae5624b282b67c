# SPDX-License-Identifier: AGPL-3.0-or-later
"""Allows ``python -m sealbox`` wherever the console script is not on PATH."""

from sealbox.entrypoint import main

main()
