"""Canonical JSON bytes and the hashes taken of them (upstream ``_canonical_json_bytes``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["canonical_bytes", "canonical_sha256", "sha256_hex"]


def canonical_bytes(doc: Any) -> bytes:
    """Return the canonical JSON encoding: sorted keys, no whitespace, ASCII, no NaN.

    Raises:
        ValueError: the document contains NaN or infinity.
        TypeError: the document contains a value JSON cannot represent.
    """
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def canonical_sha256(doc: Any) -> str:
    """Return the hex sha256 of ``canonical_bytes(doc)``."""
    return sha256_hex(canonical_bytes(doc))
