# SPDX-License-Identifier: AGPL-3.0-or-later
"""The log's Merkle tree against RFC 6962's published test vectors (Certificate Transparency's
merkle_tree_test), against an independent implementation (pymerkle 7, whose trees are RFC 9162
trees), and against every single-hash change to a proof: a log that rewrote its history, or shows
two histories, is caught."""

from __future__ import annotations

import hashlib
import itertools
import warnings

import pytest
from pymerkle import InmemoryTree

from sealbox.tlog import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

ENTRIES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
           bytes.fromhex("5051525354555657"),
           bytes.fromhex("606162636465666768696a6b6c6d6e6f")]  # fmt: skip
LEAVES = [leaf_hash(e) for e in ENTRIES]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (index, size, path) from RFC 6962's reference tests
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
]  # fmt: skip
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip


def test_the_empty_log_has_the_hash_of_nothing_as_its_root() -> None:
    assert root([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_rfc_6962(size: int) -> None:
    assert root(LEAVES[:size]).hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_rfc_6962(index: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(LEAVES[:size], index)
    assert [p.hex() for p in proof] == path
    verify_inclusion(LEAVES[index], index, size, proof, root(LEAVES[:size]))


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_rfc_6962(old: int, new: int, path: list[str]) -> None:
    proof = consistency_proof(LEAVES[:new], old)
    assert [p.hex() for p in proof] == path
    verify_consistency(old, new, root(LEAVES[:old]), root(LEAVES[:new]), proof)


def test_roots_and_inclusion_paths_match_an_independent_implementation() -> None:
    entries = [f"entry {i}".encode() for i in range(70)]
    other = InmemoryTree(algorithm="sha256")
    leaves = []
    for size, entry in enumerate(entries, start=1):
        other.append_entry(entry)
        leaves.append(leaf_hash(entry))
        assert root(leaves) == other.get_root(size)
        for index in range(size):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                theirs = other.prove_inclusion(index + 1, size).serialize()["path"]
            # pymerkle's path starts with the leaf itself; the RFC's path does not.
            assert [p.hex() for p in inclusion_proof(leaves, index)] == theirs[1:]


def test_every_proof_of_every_small_log_verifies() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(33)]
    for size in range(1, 34):
        tree = leaves[:size]
        for index in range(size):
            verify_inclusion(tree[index], index, size, inclusion_proof(tree, index), root(tree))
        for old in range(1, size + 1):
            proof = consistency_proof(tree, old)
            verify_consistency(old, size, root(leaves[:old]), root(tree), proof)


def _changed(proof: list[bytes], at: int) -> list[bytes]:
    return [bytes([p[0] ^ 1]) + p[1:] if i == at else p for i, p in enumerate(proof)]


def test_a_changed_hash_or_position_fails_inclusion() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(13)]
    top = root(leaves)
    for index in range(13):
        proof = inclusion_proof(leaves, index)
        for at in range(len(proof)):
            with pytest.raises(ProofError):
                verify_inclusion(leaves[index], index, 13, _changed(proof, at), top)
        # (The size alone is bound by the signed checkpoint that carries the root: a path whose
        # shape fits two sizes verifies for both, as RFC 9162 intends.)
        for wrong_index, wrong_size in ((index ^ 1, 13), (index, 200), (index + 13, 13)):
            if wrong_index != index or wrong_size != 13:
                with pytest.raises(ProofError):
                    verify_inclusion(leaves[index], wrong_index, wrong_size, proof, top)
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], index, 13, [*proof, top], top)
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], index, 13, proof[:-1], top)


def test_a_rewritten_history_fails_consistency() -> None:
    honest = [leaf_hash(bytes([i])) for i in range(20)]
    for old, new in itertools.combinations(range(1, 21), 2):
        proof = consistency_proof(honest[:new], old)
        for at in range(len(proof)):
            with pytest.raises(ProofError):
                verify_consistency(old, new, root(honest[:old]), root(honest[:new]),
                                   _changed(proof, at))  # fmt: skip
        # A log that changed one old entry, then grew: the proof it can make does not hold.
        forked = [leaf_hash(b"rewritten"), *honest[1:new]]
        with pytest.raises(ProofError, match=r"rewritten|two different logs"):
            verify_consistency(old, new, root(honest[:old]), root(forked),
                               consistency_proof(forked, old))  # fmt: skip


def test_one_size_with_two_roots_is_a_rewrite() -> None:
    with pytest.raises(ProofError, match="rewritten"):
        verify_consistency(5, 5, root(LEAVES[:5]), root(LEAVES[1:6]), [])


@pytest.mark.parametrize(
    ("old", "new", "proof"),
    [(0, 3, [b"\x00" * 32]), (4, 3, [b"\x00" * 32]), (3, 5, []), (3, 5, [b"short"])],
)
def test_impossible_sizes_and_malformed_proofs_are_refused(
    old: int, new: int, proof: list[bytes]
) -> None:
    with pytest.raises(ProofError):
        verify_consistency(old, new, LEAVES[0], LEAVES[1], proof)


def test_generators_refuse_what_has_no_proof() -> None:
    with pytest.raises(ValueError):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError):
        consistency_proof(LEAVES, 0)


def test_a_consistency_proof_longer_than_the_tree_is_deep_is_refused() -> None:
    proof = consistency_proof(LEAVES[:5], 3)
    with pytest.raises(ProofError, match="longer"):
        verify_consistency(3, 5, root(LEAVES[:3]), root(LEAVES[:5]), [*proof, *proof, *proof])
