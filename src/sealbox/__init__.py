"""Sealbox: a zero-knowledge cloud drive. The normative description lives in ``spec/``."""

__version__ = "0.1.0"
