"""One RSA key pair per process for moto's symmetric KMS keys, not one per key.

moto gives every KMS key an RSA-2048 private key, even a SYMMETRIC_DEFAULT one (``moto.kms.models.Key``), and
generating it costs about 40 ms: a thirtieth of a simulated run that creates the stack's key. AWS uses no key
pair for a symmetric key: Sign, Verify and GetPublicKey refuse one (KMS API reference, "Sign": "The key usage of
the KMS key must be SIGN_VERIFY"), so what that pair is never shows. Asymmetric key specs keep a pair each.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.kms import models as kms_models

_generate = kms_models.generate_private_key


@functools.cache
def _symmetric_placeholder() -> Any:
    return _generate("SYMMETRIC_DEFAULT")


def _private_key(key_spec: str) -> Any:
    return _symmetric_placeholder() if key_spec == "SYMMETRIC_DEFAULT" else _generate(key_spec)


def share_symmetric_key_pairs() -> None:
    """Every symmetric KMS key moto creates after this call gets the process's one unused key pair."""
    kms_models.generate_private_key = _private_key  # type: ignore[assignment]
