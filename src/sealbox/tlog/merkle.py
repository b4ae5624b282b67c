# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Merkle tree of an append-only log, exactly as RFC 9162 §2.1 defines it (the tree of
Certificate Transparency, RFC 6962): SHA-256, leaves hashed as H(0x00 ‖ entry), interior nodes
as H(0x01 ‖ left ‖ right), the split at the largest power of two below the size.

Proofs are the RFC's audit paths (a list of 32-byte hashes, no flags and no index of the leaf
itself), so any RFC 9162 verifier checks them. Verification follows the RFC's algorithms
(§2.1.3.2 and §2.1.4.2) and raises ``ProofError``; it never answers False. Generation works on
the list of leaf hashes and costs O(n) per proof, which the log's size allows (docs/decisions/
1701-transparency-log.md says when to keep subtree hashes instead).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_BYTES = 32


class ProofError(ValueError):
    """A proof, a root or a size that does not hold: the log is not what it claims."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over the leaf hashes; the empty tree's root is SHA-256 of nothing."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` (counted from 0) in the tree of
    ``leaves``."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(leaves[:k], index), root(leaves[k:])]
    return [*inclusion_proof(leaves[k:], index - k), root(leaves[:k])]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]): that the tree of the first ``old_size`` leaves is a prefix of this one."""
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"no consistency proof from {old_size} to {len(leaves)}")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: raise ``ProofError`` unless ``proof`` places ``leaf`` (a leaf hash) at
    ``index`` of the tree of ``size`` leaves whose root is ``expected_root``."""
    _check_hashes([leaf, expected_root, *proof])
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} cannot be in a log of {size} entries")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != expected_root:
        raise ProofError(f"entry {index} is not in the log of {size} entries with this root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise ``ProofError`` unless the log of ``new_size`` entries with
    ``new_root`` extends the log of ``old_size`` entries with ``old_root`` unchanged."""
    _check_hashes([old_root, new_root, *proof])
    if not 0 < old_size <= new_size:
        raise ProofError(f"a log of {new_size} entries cannot extend one of {old_size}")
    if old_size == new_size:
        if proof or old_root != new_root:
            raise ProofError("two different roots for the same size: the log was rewritten")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofError(
            f"the log of {new_size} entries does not extend the one of {old_size} that was seen:"
            " its history was rewritten, or two different logs were shown"
        )


def _check_hashes(hashes: Sequence[bytes]) -> None:
    if any(len(h) != HASH_BYTES for h in hashes):
        raise ProofError("a hash in the proof is not 32 bytes")
