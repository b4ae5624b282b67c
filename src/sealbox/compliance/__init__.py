# SPDX-License-Identifier: AGPL-3.0-or-later
"""Notice and action on ids and metadata only (spec/compliance.md).

Pure logic: notices and their elements, the case state machine, business-day timers, the strike
policy and statements of reasons. It reaches storage only through the interfaces in ``ports``,
which the server implements, and it imports neither the server nor the client.
"""
