"""Opaque ciphertext storage. Blob stores import nothing else from sealbox."""
