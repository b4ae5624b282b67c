# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: one generator per vector file, all sharing the fixed keys and RNG of the set.
"""The operations behind spec/vectors/*.json, shared by the generator and the tests.

Each operation has a ``make`` direction (inputs → the stored object, with randomness taken from
the vector's inputs) and an ``open`` direction (inputs and object → what a reader recovers). A
JavaScript client implements the same operations to run the same files; the names of inputs and
outputs are the spec's glossary terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sealbox.crypto import (
    content,
    devices,
    drops,
    identity,
    links,
    manifest,
    password,
    recovery,
    roster,
    shares,
)
from sealbox.crypto import tree as tree_mod
from sealbox.crypto.errors import IntegrityError
from sealbox.crypto.keys import (
    FileKey,
    FolderKey,
    KeyEncryptionKey,
    LinkKey,
    MasterKey,
    RecoveryKey,
    SecretKey,
    derive,
)
from sealbox.crypto.layout import ObjectType, b64url, from_b64url
from sealbox.crypto.sealed import seal

Inputs = dict[str, Any]
Outputs = dict[str, Any]

INVALID_INPUT = "invalid_input"
"""Vector code for input a person typed or pasted (ValueError), as opposed to IntegrityError."""


class Scripted:
    """A RandomSource that hands out exactly the listed byte strings, in order."""

    def __init__(self, *values: bytes) -> None:
        self._values = list(values)

    def __call__(self, size: int) -> bytes:
        value = self._values.pop(0)
        if len(value) != size:
            raise AssertionError(f"scripted randomness of {len(value)} bytes, wanted {size}")
        return value


def h(value: str) -> bytes:
    return bytes.fromhex(value)


def x(value: bytes | bytearray) -> str:
    return value.hex()


def _params(i: Inputs) -> password.KdfParams:
    return password.KdfParams(i["opslimit"], i["memlimit"], h(i["salt"]))


def _identity(seed: str, box_secret: str | None = None) -> identity.IdentityKeys:
    return identity.IdentityKeys(h(seed), h(box_secret) if box_secret else bytes(32))


def _node_key(i: Inputs, name: str = "node_key") -> FolderKey | FileKey:
    folder = i["node_type"] == tree_mod.NodeType.FOLDER
    return FolderKey(h(i[name])) if folder else FileKey(h(i[name]))


@dataclass(frozen=True)
class Operation:
    make: Callable[[Inputs], bytes] | None
    open: Callable[[Inputs, bytes | None], Outputs]


OPERATIONS: dict[str, Operation] = {}


def operation(
    name: str, make: Callable[[Inputs], bytes] | None = None
) -> Callable[
    [Callable[[Inputs, bytes | None], Outputs]], Callable[[Inputs, bytes | None], Outputs]
]:
    def register(
        open_: Callable[[Inputs, bytes | None], Outputs],
    ) -> Callable[[Inputs, bytes | None], Outputs]:
        OPERATIONS[name] = Operation(make, open_)
        return open_

    return register


def _obj(data: bytes | None) -> bytes:
    if data is None:
        raise AssertionError("this operation needs an object")
    return data


# kdf.json -------------------------------------------------------------------------------------


@operation("subkey")
def _subkey(i: Inputs, _: bytes | None) -> Outputs:
    return {"subkey": x(derive(SecretKey(h(i["key"])), i["subkey_id"], i["context"].encode()))}


@operation("password_keys")
def _password_keys(i: Inputs, _: bytes | None) -> Outputs:
    keys = password.derive_password_keys(i["password"], _params(i))
    return {
        "auth_key": x(keys.auth_key.secret_bytes()),
        "key_encryption_key": x(keys.key_encryption_key.secret_bytes()),
    }


@operation("derived_salt")
def _derived_salt(i: Inputs, _: bytes | None) -> Outputs:
    return {"salt": x(password.derive_salt(h(i["server_id"]), i["username"]))}


# keys.json ------------------------------------------------------------------------------------


def _make_password_wrap(i: Inputs) -> bytes:
    return password.wrap_master_key(
        KeyEncryptionKey(h(i["key_encryption_key"])),
        MasterKey(h(i["master_key"])),
        _params(i),
        h(i["user_id"]),
        Scripted(h(i["nonce"])),
    )


@operation("password_wrap", _make_password_wrap)
def _open_password_wrap(i: Inputs, obj: bytes | None) -> Outputs:
    kek = KeyEncryptionKey(h(i["key_encryption_key"]))
    master = password.unwrap_master_key(kek, _obj(obj), _params(i), h(i["user_id"]))
    return {"master_key": x(master.secret_bytes())}


def _make_recovery_wrap(i: Inputs) -> bytes:
    return recovery.wrap_master_key(
        RecoveryKey(h(i["recovery_key"])),
        MasterKey(h(i["master_key"])),
        h(i["user_id"]),
        Scripted(h(i["nonce"])),
    )


@operation("recovery_wrap", _make_recovery_wrap)
def _open_recovery_wrap(i: Inputs, obj: bytes | None) -> Outputs:
    key = RecoveryKey(h(i["recovery_key"]))
    master = recovery.unwrap_master_key(key, _obj(obj), h(i["user_id"]))
    return {
        "master_key": x(master.secret_bytes()),
        "recovery_auth_key": x(recovery.recovery_auth_key(key).secret_bytes()),
    }


@operation("recovery_text")
def _recovery_text(i: Inputs, _: bytes | None) -> Outputs:
    if "recovery_key" in i:
        return {"text": recovery.format_recovery_key(RecoveryKey(h(i["recovery_key"])))}
    return {"recovery_key": x(recovery.parse_recovery_key(i["text"]).secret_bytes())}


def _make_private_keys(i: Inputs) -> bytes:
    keys = _identity(i["sign_seed"], i["box_secret"])
    return identity.wrap_private_keys(
        MasterKey(h(i["master_key"])), keys, h(i["user_id"]), Scripted(h(i["nonce"]))
    )


@operation("private_keys_wrap", _make_private_keys)
def _open_private_keys(i: Inputs, obj: bytes | None) -> Outputs:
    expected = identity.IdentityPublicKeys(h(i["sign_public"]), h(i["box_public"]))
    keys = identity.unwrap_private_keys(
        MasterKey(h(i["master_key"])), _obj(obj), h(i["user_id"]), expected
    )
    secret = keys.secret_bytes()
    return {"sign_seed": x(secret[:32]), "box_secret": x(secret[32:])}


def _make_top_folder_key(i: Inputs) -> bytes:
    return tree_mod.wrap_top_folder_key(
        MasterKey(h(i["master_key"])),
        FolderKey(h(i["folder_key"])),
        h(i["user_id"]),
        h(i["folder_id"]),
        tree_mod.TopFolder(i["role"]),
        Scripted(h(i["nonce"])),
    )


@operation("top_folder_key_wrap", _make_top_folder_key)
def _open_top_folder_key(i: Inputs, obj: bytes | None) -> Outputs:
    key = tree_mod.unwrap_top_folder_key(
        MasterKey(h(i["master_key"])),
        _obj(obj),
        h(i["user_id"]),
        h(i["folder_id"]),
        tree_mod.TopFolder(i["role"]),
    )
    return {"folder_key": x(key.secret_bytes())}


def _make_device_name(i: Inputs) -> bytes:
    return devices.seal_device_name(
        MasterKey(h(i["master_key"])),
        h(i["user_id"]),
        h(i["session_id"]),
        i["name"],
        Scripted(h(i["nonce"])),
    )


@operation("device_name", _make_device_name)
def _open_device_name(i: Inputs, obj: bytes | None) -> Outputs:
    name = devices.open_device_name(
        MasterKey(h(i["master_key"])), _obj(obj), h(i["user_id"]), h(i["session_id"])
    )
    return {"name": name}


def _make_node_key(i: Inputs) -> bytes:
    return tree_mod.wrap_node_key(
        FolderKey(h(i["parent_key"])),
        _node_key(i),
        h(i["node_id"]),
        h(i["parent_id"]),
        Scripted(h(i["nonce"])),
    )


@operation("node_key_wrap", _make_node_key)
def _open_node_key(i: Inputs, obj: bytes | None) -> Outputs:
    key = tree_mod.unwrap_node_key(
        FolderKey(h(i["parent_key"])),
        _obj(obj),
        h(i["node_id"]),
        h(i["parent_id"]),
        tree_mod.NodeType(i["node_type"]),
    )
    return {"node_key": x(key.secret_bytes())}


# identity.json --------------------------------------------------------------------------------


def _make_bundle(i: Inputs) -> bytes:
    previous = i.get("previous_sign_seed")
    return identity.make_bundle(
        _identity(i["sign_seed"], i["box_secret"]),
        h(i["user_id"]),
        i["username"],
        i["bundle_version"],
        i["created"],
        _identity(previous) if previous else None,
    )


@operation("identity_bundle", _make_bundle)
def _open_bundle(i: Inputs, obj: bytes | None) -> Outputs:
    pin = i.get("pin")
    pinned = (
        identity.Pin(h(pin["user_id"]), h(pin["sign_public"]), pin["bundle_version"])
        if pin
        else None
    )
    bundle = identity.verify_bundle(_obj(obj), i["username"], pinned)
    return {
        "user_id": x(bundle.user_id),
        "sign_public": x(bundle.keys.sign_public),
        "box_public": x(bundle.keys.box_public),
        "bundle_version": bundle.bundle_version,
        "created": bundle.created,
        "previous_sign_public": x(bundle.previous_sign_public or b""),
    }


@operation("identity_keys")
def _identity_keys(i: Inputs, _: bytes | None) -> Outputs:
    keys = _identity(i["sign_seed"], i["box_secret"])
    return {"sign_public": x(keys.public.sign_public), "box_public": x(keys.public.box_public)}


@operation("safety_number")
def _safety_number(i: Inputs, _: bytes | None) -> Outputs:
    a = identity.Pin(h(i["a_user_id"]), h(i["a_sign_public"]), 1)
    b = identity.Pin(h(i["b_user_id"]), h(i["b_sign_public"]), 1)
    return {"safety_number": identity.safety_number(a, b)}


# metadata.json --------------------------------------------------------------------------------


def _metadata_context(i: Inputs) -> tuple[bytes, bytes, tree_mod.NodeType, int]:
    return h(i["node_id"]), h(i["parent_id"]), tree_mod.NodeType(i["node_type"]), i["node_version"]


def _make_metadata(i: Inputs) -> bytes:
    # Sealed from the raw plaintext so negative vectors can carry malformed JSON, which
    # seal_metadata would refuse to produce.
    node_id, parent_id, node_type, version = _metadata_context(i)
    context = node_id + parent_id + bytes([node_type]) + version.to_bytes(8, "little")
    key = derive(FolderKey(h(i["parent_key"])), 1, b"sbmetaky")
    plaintext = i["plaintext"].encode("utf-8", "surrogatepass")
    return seal(key, ObjectType.METADATA, plaintext, context, Scripted(h(i["nonce"])))


@operation("metadata", _make_metadata)
def _open_metadata(i: Inputs, obj: bytes | None) -> Outputs:
    node_id, parent_id, node_type, version = _metadata_context(i)
    metadata = tree_mod.open_metadata(
        FolderKey(h(i["parent_key"])), _obj(obj), node_id, parent_id, node_type, version
    )
    return {"plaintext": tree_mod.encode_metadata(metadata).decode("utf-8")}


def _make_record(i: Inputs) -> bytes:
    return tree_mod.make_node_record(
        _identity(i["writer_sign_seed"]),
        h(i["writer_id"]),
        h(i["node_id"]),
        h(i["parent_id"]),
        tree_mod.NodeType(i["node_type"]),
        i["node_version"],
        h(i["wrapped_key"]),
        h(i["sealed_metadata"]),
    )


@operation("node_record", _make_record)
def _open_record(i: Inputs, obj: bytes | None) -> Outputs:
    record = tree_mod.parse_node_record(_obj(obj))
    record.verify(_identity(i["writer_sign_seed"]).public.sign_public)
    return {
        "record_hash": x(record.hash),
        "node_id": x(record.node_id),
        "parent_id": x(record.parent_id),
        "node_type": int(record.node_type),
        "node_version": record.node_version,
        "writer_id": x(record.writer_id),
        "wrapped_key": x(record.wrapped_key),
        "sealed_metadata": x(record.sealed_metadata),
    }


def _entries(i: Inputs) -> list[manifest.ManifestEntry]:
    return [
        manifest.ManifestEntry(
            h(e["node_id"]), tree_mod.NodeType(e["node_type"]), h(e["record_hash"])
        )
        for e in i["entries"]
    ]


def _make_manifest(i: Inputs) -> bytes:
    return manifest.make_manifest(
        _identity(i["writer_sign_seed"]),
        h(i["writer_id"]),
        h(i["folder_id"]),
        i["version"],
        h(i["previous_hash"]),
        _entries(i),
    )


@operation("manifest", _make_manifest)
def _open_manifest(i: Inputs, obj: bytes | None) -> Outputs:
    writers = {h(k): h(v) for k, v in i["writers"].items()}
    parsed = manifest.verify_manifest(_obj(obj), h(i["folder_id"]), writers)
    outputs: Outputs = {
        "manifest_hash": x(parsed.hash),
        "version": parsed.version,
        "entries": [
            {
                "node_id": x(e.node_id),
                "node_type": int(e.node_type),
                "record_hash": x(e.record_hash),
            }
            for e in parsed.entries
        ],
    }
    if "seen" in i:
        seen = i["seen"]
        mark = manifest.check_freshness(parsed, manifest.Seen(seen["version"], h(seen["hash"])))
        outputs["seen"] = {"version": mark.version, "hash": x(mark.hash)}
    if "records" in i:
        listing = manifest.reconcile(parsed, [h(r) for r in i["records"]])
        outputs["accepted"] = [x(r.node_id) for r in listing.records]
        outputs["withheld"] = [x(n) for n in listing.withheld]
        outputs["injected"] = [x(r) for r in listing.injected]
    return outputs


# content.json ---------------------------------------------------------------------------------


def _make_content(i: Inputs) -> bytes:
    encryptor = content.ContentEncryptor(
        FileKey(h(i["file_key"])),
        h(i["content_id"]),
        i["chunk_size"],
        Scripted(h(i["nonce_prefix"])),
    )
    plaintext = h(i["plaintext"])
    offset = 0

    def read(size: int) -> bytes:
        nonlocal offset
        part = plaintext[offset : offset + size]
        offset += len(part)
        return part

    return b"".join(encryptor.encrypt_stream(read))


@operation("content", _make_content)
def _open_content(i: Inputs, obj: bytes | None) -> Outputs:
    data = _obj(obj)
    header = data[: content.HEADER_BYTES]
    decryptor = content.ContentDecryptor(
        FileKey(h(i["file_key"])), header, h(i["content_id"]), h(i["header_hash"]), i["size"]
    )
    rest = data[content.HEADER_BYTES :]
    offset = 0

    def read(size: int) -> bytes:
        nonlocal offset
        part = rest[offset : offset + size]
        offset += len(part)
        return part

    return {"plaintext": x(b"".join(decryptor.decrypt_stream(read)))}


@operation("content_chunk")
def _open_content_chunk(i: Inputs, obj: bytes | None) -> Outputs:
    """Random access: the object is the header followed by the one sealed chunk requested."""
    data = _obj(obj)
    decryptor = content.ContentDecryptor(
        FileKey(h(i["file_key"])),
        data[: content.HEADER_BYTES],
        h(i["content_id"]),
        h(i["header_hash"]),
        i["size"],
    )
    index = i["chunk_index"]
    return {"chunk": x(decryptor.decrypt_chunk(index, data[content.HEADER_BYTES :]))}


def _make_lone_chunk(i: Inputs) -> bytes:
    """The header and one chunk sealed on its own, as a writer seals chunk ``chunk_index`` of an
    object of ``size`` bytes (any chunk, in any order: here one in a later segment)."""
    encryptor = content.ContentEncryptor(
        FileKey(h(i["file_key"])),
        h(i["content_id"]),
        i["chunk_size"],
        Scripted(h(i["nonce_prefix"])),
    )
    index = i["chunk_index"]
    final = index == content.chunk_count(i["size"], i["chunk_size"]) - 1
    return encryptor.header + encryptor.encrypt_chunk(index, h(i["plaintext"]), final)


@operation("content_lone_chunk", _make_lone_chunk)
def _open_lone_chunk(i: Inputs, obj: bytes | None) -> Outputs:
    return _open_content_chunk(i, obj)


@operation("content_segment_key")
def _content_segment_key(i: Inputs, _: bytes | None) -> Outputs:
    """The key that seals the chunks of segment ``segment`` (chunks 4096·s to 4096·s + 4095)."""
    content_key = derive(FileKey(h(i["file_key"])), 1, b"sbcontnt")
    return {
        "content_key": x(content_key),
        "segment_key": x(content.segment_key(content_key, i["segment"])),
    }


@operation("plaintext_hash")
def _plaintext_hash(i: Inputs, _: bytes | None) -> Outputs:
    """The keyed hash of a plaintext, kept in file metadata to compare copies by content."""
    file_key = FileKey(h(i["file_key"]))
    return {
        "hash_key": x(derive(file_key, 3, content.PLAINTEXT_HASH_CONTEXT)),
        "plaintext_hash": x(content.plaintext_hash(file_key, h(i["plaintext"]))),
    }


# links.json -----------------------------------------------------------------------------------


def _make_link_secret(i: Inputs) -> bytes:
    node_type = tree_mod.NodeType(i["node_type"])
    metadata = tree_mod.decode_metadata(i["metadata"].encode(), node_type)
    return links.make_link_secret(
        LinkKey(h(i["link_key"])),
        h(i["link_id"]),
        h(i["node_id"]),
        _node_key(i),
        metadata,
        Scripted(h(i["nonce"])),
    )


@operation("link_secret", _make_link_secret)
def _open_link_secret(i: Inputs, obj: bytes | None) -> Outputs:
    secret = links.open_link_secret(
        LinkKey(h(i["link_key"])), _obj(obj), h(i["link_id"]), h(i["node_id"])
    )
    return {
        "node_type": int(secret.node_type),
        "node_key": x(secret.node_key.secret_bytes()),
        "metadata": tree_mod.encode_metadata(secret.metadata).decode(),
    }


@operation("fragment")
def _fragment(i: Inputs, _: bytes | None) -> Outputs:
    if "link_key" in i:
        return {"fragment": links.plain_fragment(LinkKey(h(i["link_key"])))}
    parsed = links.parse_fragment(i["fragment"])
    if isinstance(parsed, LinkKey):
        return {"link_key": x(parsed.secret_bytes())}
    unlocked = links.unlock(parsed, i["password"], h(i["link_id"]))
    return {"link_key": x(unlocked.secret_bytes())}


def _make_password_link(i: Inputs) -> bytes:
    fragment = links.password_fragment(
        LinkKey(h(i["link_key"])),
        h(i["link_id"]),
        i["password"],
        _params(i),
        Scripted(h(i["nonce"])),
    )
    return from_b64url(fragment[1:])


@operation("password_link", _make_password_link)
def _open_password_link(i: Inputs, obj: bytes | None) -> Outputs:
    parsed = links.parse_password_link(_obj(obj))
    key = links.unlock(parsed, i["password"], h(i["link_id"]))
    return {"link_key": x(key.secret_bytes()), "fragment": "p" + b64url(_obj(obj))}


@operation("drop_keys")
def _drop_keys(i: Inputs, _: bytes | None) -> Outputs:
    if "fragment" in i:
        return {"drop_public": x(drops.parse_drop_fragment(i["fragment"]))}
    keys = drops.DropKeys(h(i["drop_secret"]))
    return {"drop_public": x(keys.public), "fragment": keys.fragment()}


def _make_drop_key_wrap(i: Inputs) -> bytes:
    return drops.wrap_drop_keys(
        FolderKey(h(i["folder_key"])),
        drops.DropKeys(h(i["drop_secret"])),
        h(i["drop_id"]),
        h(i["folder_id"]),
        Scripted(h(i["nonce"])),
    )


@operation("drop_key_wrap", _make_drop_key_wrap)
def _open_drop_key_wrap(i: Inputs, obj: bytes | None) -> Outputs:
    keys = drops.unwrap_drop_keys(
        FolderKey(h(i["folder_key"])),
        _obj(obj),
        h(i["drop_id"]),
        h(i["folder_id"]),
        h(i["drop_public"]),
    )
    return {"drop_public": x(keys.public)}


def _make_drop_upload(i: Inputs) -> bytes:
    metadata = tree_mod.as_file_metadata(
        tree_mod.decode_metadata(i["metadata"].encode(), tree_mod.NodeType.FILE)
    )
    return drops.seal_drop_upload(
        drops.DropKeys(h(i["drop_secret"])).public,
        h(i["drop_id"]),
        FileKey(h(i["file_key"])),
        metadata,
        Scripted(h(i["ephemeral_secret"])),
    )


@operation("drop_upload", _make_drop_upload)
def _open_drop_upload(i: Inputs, obj: bytes | None) -> Outputs:
    dropped = drops.open_drop_upload(
        drops.DropKeys(h(i["drop_secret"])), _obj(obj), h(i["drop_id"])
    )
    return {
        "file_key": x(dropped.file_key.secret_bytes()),
        "metadata": tree_mod.encode_metadata(dropped.metadata).decode(),
    }


# sharing.json ---------------------------------------------------------------------------------


def _grant(i: Inputs) -> shares.ShareGrant:
    return shares.ShareGrant(
        h(i["share_id"]),
        h(i["folder_id"]),
        h(i["sender_id"]),
        h(i["recipient_id"]),
        shares.Rights(i["rights"]),
        i["epoch"],
        FolderKey(h(i["folder_key"])),
        i["folder_name"],
    )


def _make_share(i: Inputs) -> bytes:
    recipient = _identity(i["recipient_sign_seed"], i["recipient_box_secret"])
    return shares.make_share_envelope(
        _identity(i["sender_sign_seed"]),
        _grant(i),
        recipient.public.box_public,
        Scripted(h(i["ephemeral_secret"])),
    )


@operation("share_envelope", _make_share)
def _open_share(i: Inputs, obj: bytes | None) -> Outputs:
    recipient = _identity(i["recipient_sign_seed"], i["recipient_box_secret"])
    sender = identity.Pin(
        h(i["pinned_sender_id"] if "pinned_sender_id" in i else i["sender_id"]),
        _identity(i["sender_sign_seed"]).public.sign_public,
        1,
    )
    grant = shares.open_share_envelope(recipient, h(i["recipient_id"]), _obj(obj), sender)
    return {
        "share_id": x(grant.share_id),
        "folder_id": x(grant.folder_id),
        "sender_id": x(grant.sender_id),
        "rights": int(grant.rights),
        "epoch": grant.epoch,
        "folder_key": x(grant.folder_key.secret_bytes()),
        "folder_name": grant.folder_name,
    }


def _make_roster(i: Inputs) -> bytes:
    members = tuple(
        roster.RosterMember(
            h(m["user_id"]), _identity(m["sign_seed"]).public.sign_public, m["rights"]
        )
        for m in i["members"]
    )
    return roster.make_roster(
        _identity(i["owner_sign_seed"]),
        roster.Roster(h(i["folder_id"]), i["version"], i["key_epoch"], h(i["owner_id"]), members),
    )


@operation("share_roster", _make_roster)
def _open_roster(i: Inputs, obj: bytes | None) -> Outputs:
    owner = identity.Pin(
        h(i["pinned_owner_id"] if "pinned_owner_id" in i else i["owner_id"]),
        _identity(i["owner_sign_seed"]).public.sign_public,
        1,
    )
    opened = roster.open_roster(_obj(obj), owner, h(i["folder_id"]))
    return {
        "folder_id": x(opened.folder_id),
        "version": opened.version,
        "key_epoch": opened.key_epoch,
        "owner_id": x(opened.owner_id),
        "members": [
            {"user_id": x(m.user_id), "sign_public": x(m.sign_public), "rights": m.rights}
            for m in opened.members
        ],
    }


# Running vectors ------------------------------------------------------------------------------


def error_code(exc: Exception) -> str:
    if isinstance(exc, IntegrityError):
        return exc.code.value
    if isinstance(exc, ValueError):
        return INVALID_INPUT
    raise exc


def open_or_code(vector: dict[str, Any], obj: bytes | None) -> Outputs | str:
    """Run the open direction; return the outputs, or the error code it raised."""
    try:
        return OPERATIONS[vector["operation"]].open(vector["inputs"], obj)
    except (IntegrityError, ValueError) as exc:
        return error_code(exc)


def mutation_codes(vector: dict[str, Any], obj: bytes) -> list[list[Any]]:
    """Flip the low bit of each byte of ``obj`` in turn and record the error each flip causes,
    as ``[start, end, code]`` runs. A flip that opens successfully is recorded as ``"opened"``,
    which a correct implementation never produces."""
    runs: list[list[Any]] = []
    for offset in range(len(obj)):
        mutated = bytearray(obj)
        mutated[offset] ^= 0x01
        result = open_or_code(vector, bytes(mutated))
        code = result if isinstance(result, str) else "opened"
        if runs and runs[-1][2] == code and runs[-1][1] == offset:
            runs[-1][1] = offset + 1
        else:
            runs.append([offset, offset + 1, code])
    return runs
