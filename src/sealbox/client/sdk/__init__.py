"""The Sealbox SDK: accounts, the verified drive tree and resumable transfers.

All encryption and every verification happens here; the server is treated as hostile
(spec/threat-model.md). The HTTP transport is an injectable ``httpx.AsyncClient``.
"""
