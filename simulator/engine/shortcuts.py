"""Shortcuts through moto's request path that give the same answers with less work (every simulated AWS call
takes this path; a run makes about 170 calls, a 100-cluster fleet 7,500).

* Which actions a response class implements: moto lists every function of the class (``inspect.getmembers``, a
  few hundred names) at each request to ask whether one name is among them. ``_FunctionNames`` answers that one
  question directly: the name is an attribute of the class or a base, and a plain function.
* Where a response's value is found on moto's object: for every member of every shape, moto's serializer asks a
  chain of alias rules which attribute names to try (``DBClusterIdentifier``, ``db_cluster_identifier``,
  ``identifier``...). The rules read only the member's name, its shape and the shape's parent, and the object's
  class (its name and its ``Meta`` aliases): ``_keys_remembered`` keeps their answer for each such combination.
* XML names: moto writes each response through ``xmltodict.unparse``, which checks every element name character by
  character, again for each element of each response. A name that passed once passes again (the check reads
  nothing but the name); a name that fails is checked, and refused, each time.
* Signatures: botocore signs every request (SigV4: a canonical request, its hash, four HMACs); moto checks no
  signature. The request still gets what signing adds that moto reads (the Authorization header naming the access
  key, from which moto takes the account; the date, the session token, S3's payload hash), and still fails without
  credentials, as botocore does; only the signature itself is not computed. Presigning is left as it is.

tests/simulator/test_shortcuts.py holds each shortcut against the original.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import moto.core.responses
import xmltodict
from botocore.auth import SIGV4_TIMESTAMP, S3SigV4Auth, SigV4Auth
from botocore.exceptions import NoCredentialsError
from botocore.utils import get_current_datetime
from moto.core.serialize import AttributePicker, AttributePickerContext, XFormedAttributePicker


class _FunctionNames:
    """``name in method_names_from_class(clazz)``, without listing the members: ``inspect.getmembers(clazz,
    inspect.isfunction)`` names what ``dir(clazz)`` lists (the attributes of the class and its bases) whose value,
    read from the class, is a plain function."""

    def __init__(self, clazz: type) -> None:
        self.clazz = clazz

    def __contains__(self, name: object) -> bool:
        return (
            isinstance(name, str)
            and any(name in vars(base) for base in self.clazz.__mro__)
            and inspect.isfunction(getattr(self.clazz, name, None))
        )


def _keys_remembered(
    get_possible_keys: Callable[[Any, AttributePickerContext], Any],
) -> Callable[[Any, AttributePickerContext], tuple[str, ...]]:
    known: dict[tuple[Any, ...], tuple[Any, Any, Any, tuple[str, ...]]] = {}

    def remembered(self: AttributePicker, context: AttributePickerContext) -> tuple[str, ...]:
        shape, meta = context.shape, getattr(context.obj, "Meta", None)
        parent = getattr(shape, "parent", None)
        providers = tuple(self.alias_providers)
        key = (type(self), providers, type(context.obj), id(meta), context.key, id(shape), id(parent))
        hit = known.get(key)
        # the objects are kept with the answer: an id is only the same object while that object lives
        if hit is None or hit[0] is not shape or hit[1] is not parent or hit[2] is not meta:
            hit = known[key] = (shape, parent, meta, tuple(get_possible_keys(self, context)))
        return hit[3]

    remembered.original = get_possible_keys  # type: ignore[attr-defined]
    return remembered


def _checked_once(check: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    passed: set[tuple[str, str]] = set()

    def validate_name(value: Any, kind: str) -> None:
        if isinstance(value, str) and (value, kind) in passed:
            return
        check(value, kind)  # raises for a name XML does not allow
        if isinstance(value, str):
            passed.add((value, kind))

    validate_name.original = check  # type: ignore[attr-defined]
    return validate_name


NOT_COMPUTED = "0" * 64  # a signature's length; moto reads none


def _signature_not_computed(add_auth: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def sign(self: SigV4Auth, request: Any) -> None:
        if type(self) not in (SigV4Auth, S3SigV4Auth):  # presigned URLs and other schemes: as botocore does
            add_auth(self, request)
            return
        if self.credentials is None:
            raise NoCredentialsError()
        request.context["timestamp"] = get_current_datetime().strftime(SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)
        self._inject_signature_to_request(request, NOT_COMPUTED)

    sign.original = add_auth  # type: ignore[attr-defined]
    return sign


def take_shortcuts() -> None:
    """Install the shortcuts for the process (idempotent)."""
    moto.core.responses.method_names_from_class = _FunctionNames  # type: ignore[assignment]
    for picker in (AttributePicker, XFormedAttributePicker):
        if not hasattr(picker.__dict__["get_possible_keys"], "original"):
            picker.get_possible_keys = _keys_remembered(picker.__dict__["get_possible_keys"])  # type: ignore[method-assign]
    if not hasattr(SigV4Auth.add_auth, "original"):
        SigV4Auth.add_auth = _signature_not_computed(SigV4Auth.add_auth)  # type: ignore[method-assign]
    if not hasattr(xmltodict._validate_name, "original"):
        xmltodict._validate_name = _checked_once(xmltodict._validate_name)
