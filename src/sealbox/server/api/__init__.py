# SPDX-License-Identifier: AGPL-3.0-or-later
"""The HTTP routes. The wire models are built before any route declares them (protocol.models)."""

from sealbox.protocol import models as _models

_models.build_all()
