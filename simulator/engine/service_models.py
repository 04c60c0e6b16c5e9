"""One botocore data loader per process: service models are parsed from disk once, not once per session.

moto replaces boto3's default session at every mock start, and the runner drops it at every scenario (its region
is fixed at creation); each new session would parse the same service models again (40-120 ms for the first
client of each service, measured here). The models are read-only data that one session already shares between
all of its clients, so sharing them between sessions changes nothing a client does.
"""

from __future__ import annotations

import functools

import botocore.session

_create_loader = botocore.session.create_loader


@functools.cache
def _shared_loader(search_path_string: str | None = None) -> object:
    return _create_loader(search_path_string)


def share_service_models() -> None:
    """Every botocore session made after this call uses the process's one loader for its data path."""
    botocore.session.create_loader = _shared_loader  # type: ignore[assignment]
