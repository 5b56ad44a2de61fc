"""Response values several features share: the model base, money and a stream position."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.openapi.spec import OpenAPIFormat
from litestar.params import KwargDefinition

# A timestamp a view already rendered with isoformat(): the same text its event carries. A datetime
# field would re-render it with "Z" for "+00:00", so responses and events would stop matching.
Timestamp = Annotated[str, KwargDefinition(format=OpenAPIFormat.DATE_TIME)]


class Model(msgspec.Struct, forbid_unknown_fields=True):
    """Base of response models: a view key the model lacks fails at conversion instead of vanishing."""


class Money(Model):
    amount: int
    """Integer minor units of ``currency``."""
    currency: str


class AsOf(Model):
    """The warehouse stream position read before a snapshot: subscribe from it to miss nothing."""

    epoch: str
    seq: int
