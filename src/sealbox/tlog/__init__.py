# SPDX-License-Identifier: AGPL-3.0-or-later
"""The transparency log's formats (spec/transparency.md): the RFC 9162 Merkle tree with its
inclusion and consistency proofs, and checkpoints as C2SP signed notes. Pure functions over
bytes, shared by the server that keeps the log and every client that checks it; this package
imports nothing of Sealbox's and holds no key (signing and verifying are passed in).
"""

from sealbox.tlog.checkpoint import (
    Checkpoint,
    CheckpointError,
    NoteKey,
    open_checkpoint,
    sign_checkpoint,
)
from sealbox.tlog.merkle import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "NoteKey",
    "ProofError",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "root",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
