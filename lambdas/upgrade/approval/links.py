"""Signed approval links: who may decide is whoever holds a link the signing key vouches for.

The id (nonce) is derived from the task token, so a retried request writes the same item and
sends the same links. A link's signature covers its id, decision and expiry: changing any of
them (turning an approve link into a reject link, stretching its life) makes it worthless.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlencode

from pydantic import ConfigDict, Field, ValidationError

from upgrade.shared.base_model import Model
from upgrade.shared.errors import ApprovalGone, ApprovalLinkInvalid, ApprovalLinkMalformed

Decision = Literal["approve", "reject"]
DECISIONS: tuple[Decision, ...] = ("approve", "reject")
MIN_KEY_BYTES = 32
_NONCE_CHARS = 22  # 132 bits of the HMAC: unguessable, short enough for a URL
# an approval's item in the token table: keyed by the link's id, written by the request, taken by the decision
SORT_KEY = "approval"


def partition_key(nonce: str) -> str:
    return f"approval#{nonce}"


class LinkFields(Model):
    """What an approval link (or the confirmation form that repeats it) carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{22}$")
    decision: Decision
    expires: int = Field(ge=0, lt=10**11)
    sig: str = Field(pattern=r"^[0-9a-f]{64}$")


def signing_key(secret: str) -> bytes:
    key = secret.encode()
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the approval signing secret must hold at least {MIN_KEY_BYTES} bytes")
    return key


def nonce_for(task_token: str, key: bytes) -> str:
    """The approval's id: the same token always gives the same id, and the id reveals nothing of the token."""
    digest = hmac.new(key, b"approval-nonce|" + task_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:_NONCE_CHARS]


def signature(nonce: str, decision: str, expires: int, key: bytes) -> str:
    return hmac.new(key, f"{nonce}|{decision}|{expires}".encode(), hashlib.sha256).hexdigest()


def signed(nonce: str, decision: Decision, expires: int, key: bytes) -> LinkFields:
    return LinkFields(id=nonce, decision=decision, expires=expires, sig=signature(nonce, decision, expires, key))


def link_url(base_url: str, fields: LinkFields) -> str:
    separator = "&" if "?" in base_url else "?"
    query = urlencode({"id": fields.id, "decision": fields.decision, "expires": fields.expires, "sig": fields.sig})
    return f"{base_url}{separator}{query}"


def parse_fields(values: Mapping[str, str]) -> LinkFields:
    """The four link fields out of a query string or a form; anything else there is ignored."""
    try:
        return LinkFields.model_validate({name: values.get(name) for name in ("id", "decision", "expires", "sig")})
    except ValidationError:
        names = ", ".join(sorted(name for name in ("id", "decision", "expires", "sig") if not values.get(name)))
        raise ApprovalLinkMalformed(f"the approval link is incomplete or garbled ({names or 'a field'})") from None


def verify(fields: LinkFields, key: bytes, now_epoch: float) -> None:
    """Raise unless the link is genuine (403) and still valid (410); the signature is checked first."""
    expected = signature(fields.id, fields.decision, fields.expires, key)
    if not hmac.compare_digest(expected, fields.sig):
        raise ApprovalLinkInvalid("the approval link's signature does not match")
    if now_epoch >= fields.expires:
        raise ApprovalGone("the approval link has expired")
