# SPDX-License-Identifier: AGPL-3.0-or-later
"""Size limits both sides check. The server enforces them; clients check first to fail early."""

ID_BYTES = 16
AUTH_KEY_BYTES = 32
SALT_BYTES = 16
USERNAME_PATTERN = r"^[a-z0-9._-]{1,64}$"
MAX_EMAIL_CHARS = 254

MAX_ACCOUNT_BLOB = 64 * 1024
MAX_DEVICE_NAME = 1024  # a sealed device name (spec/keys.md, "Device names"): 169 bytes in v1
MAX_NODE_RECORD = 64 * 1024
MAX_LINK_SECRET = 64 * 1024
# A share envelope: 83 bytes of ids, rights, epoch and lengths, a sealed box of at most 64 KiB,
# a signature.
MAX_SHARE_ENVELOPE = 83 + 65536 + 64
# A signed share roster of at most 1000 members (spec/sharing.md, "Share roster").
MAX_SHARE_ROSTER = 6 + 16 + 8 + 8 + 16 + 4 + 1000 * 49 + 64
# New envelopes published with one roster: one per member at most.
MAX_ROSTER_ENVELOPES = 1000
# A drop upload object: prefix, drop id, a sealed box of the file key and metadata.
MAX_DROP_UPLOAD = 64 * 1024
# Links may live at most ten years; a longer expiry is almost certainly a unit mistake.
MAX_LINK_LIFETIME_SECONDS = 10 * 366 * 86400
MAX_MANIFEST = 16 * 1024 * 1024
MAX_HEADER = 1024
# Folders nest at most this many below a top folder (spec/metadata.md, "Walking a tree").
MAX_FOLDER_DEPTH = 256

# An AEAD tag follows every chunk's ciphertext.
CHUNK_OVERHEAD = 16
DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
MAX_CHUNK_COUNT = 1 << 24
# Chunks one direct-transfer request names (spec/http-api.md §6.6).
MAX_DIRECT_CHUNKS = 1024

# One chunk of a small file sent inside a folder transaction.
MAX_INLINE_CHUNK = DEFAULT_CHUNK_SIZE + CHUNK_OVERHEAD
MAX_INLINE_PER_TRANSACTION = 16 * 1024 * 1024
MAX_NODE_PUTS = 5000
MAX_MANIFEST_UPDATES = 1000
MAX_REMOVALS = 5000

# Request bodies: ordinary JSON, and the folder transaction, which may carry large manifests and
# inline small files as base64 (4/3 of their size).
MAX_JSON_BODY = 1024 * 1024
MAX_TRANSACTION_BODY = 48 * 1024 * 1024

# The batch content download (spec/http-api.md §6.4): ids per request, the largest object it
# includes (an inline-sized one: header, one 4 MiB chunk and its tag) and content bytes per answer.
MAX_BATCH_CONTENTS = 256
MAX_BATCH_OBJECT = MAX_HEADER + MAX_INLINE_CHUNK
MAX_BATCH_BYTES = 16 * 1024 * 1024

MAX_FEED_WAIT_SECONDS = 60
MAX_FEED_PAGE = 1000

KDF_ALG = "argon2id13"
MIN_OPSLIMIT = 1
MAX_OPSLIMIT = 64
MIN_MEMLIMIT = 8 * 1024
MAX_MEMLIMIT = 4 * 1024 * 1024 * 1024
