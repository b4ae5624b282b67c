"""Pure cryptography over bytes.

As specified in spec/keys.md, spec/object-format.md, spec/metadata.md and spec/sharing.md.
"""
