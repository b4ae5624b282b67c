"""Pure cryptography over bytes, as specified in spec/keys.md, spec/object-format.md, spec/metadata.md and spec/sharing.md."""
