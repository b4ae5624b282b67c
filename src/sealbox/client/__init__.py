"""Sealbox clients: the SDK and everything built on it. All encryption happens here."""
