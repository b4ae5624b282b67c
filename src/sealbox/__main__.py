"""Allows ``python -m sealbox`` wherever the console script is not on PATH."""

from sealbox.entrypoint import main

main()
