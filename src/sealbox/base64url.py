# SPDX-License-Identifier: AGPL-3.0-or-later
"""base64url without padding: the text form of every id and binary field (spec/README.md).

Crypto, protocol, server and client all encode and decode it here, one codec for one rule; this
module imports nothing of ours, like rights.py. The work is pybase64's (SIMD, in C): a 4 KiB
inline chunk, which a transaction carries for every small file, decodes in about 1 µs where the
standard library took 15 (docs/decisions/2013).

Decoding is strict. Each rule of spec/README.md is checked on the text rather than by re-encoding
what was decoded: a length that does not leave one character over, a last character whose unused
low bits are zero, no ``+`` or ``/`` (the standard alphabet's), and, by the decoder in its
validating mode, no ``=`` and nothing else outside the alphabet. tests/crypto/test_properties.py
checks that what ``decode`` accepts is exactly what ``encode`` writes.
"""

import binascii

import pybase64

__all__ = ["decode", "encode"]

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# What the last character may be, by length mod 4: after one byte of a group (2 characters) its
# low four bits are unused and must be zero, after two bytes (3 characters) its low two.
_LAST_CHARACTERS = {
    0: frozenset(_ALPHABET),
    2: frozenset(_ALPHABET[::16]),
    3: frozenset(_ALPHABET[::4]),
}
_PADDING_TEXT = {0: "", 2: "==", 3: "="}
_PADDING = {spare: padding.encode() for spare, padding in _PADDING_TEXT.items()}
# Below this many bytes (an id, a header) the standard library's codec is quicker, pybase64's
# call costing more than the work; above it (records, inline chunks) pybase64's.
_SHORT_BYTES = 150
_SHORT_TEXT = 200
_TO_URL = bytes.maketrans(b"+/", b"-_")
# The short way turns "+", "/" and "=" into "*", which the strict decoder refuses like any other
# character outside the alphabet: no scan of the text for them first.
_FROM_URL = bytes.maketrans(b"-_+/=", b"+/***")


def encode(data: bytes) -> str:
    """``data`` as base64url without padding."""
    if len(data) < _SHORT_BYTES:
        return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_TO_URL).decode()
    return pybase64.b64encode(data, altchars=b"-_").rstrip(b"=").decode("ascii")


def decode(text: str) -> bytes:
    """The bytes ``text`` encodes; ValueError unless it is exactly what ``encode`` writes."""
    spare = len(text) % 4
    last = _LAST_CHARACTERS.get(spare)
    if last is None or (text and text[-1] not in last):
        raise ValueError("not canonical unpadded base64url")
    try:
        if len(text) < _SHORT_TEXT:
            raw = text.encode("ascii").translate(_FROM_URL) + _PADDING[spare]
            return binascii.a2b_base64(raw, strict_mode=True)
        if "+" in text or "/" in text:
            raise ValueError
        padded = text + _PADDING_TEXT[spare]
        return pybase64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        raise ValueError("not unpadded base64url") from None
