"""Pure cryptography over bytes.

It follows spec/keys.md, spec/object-format.md, spec/metadata.md and spec/sharing.md, does no I/O,
reads no clock and imports nothing else of Sealbox's.
"""
