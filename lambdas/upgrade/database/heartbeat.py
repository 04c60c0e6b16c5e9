"""The heartbeat table the switchover probe writes to (upgrade.switchover_probe), and the preflight makes.

It must exist on blue before green is created: green is a copy of blue, and logical replication does not carry DDL,
so a table made later would be missing on green (the probe's writes on green would fail) and DDL on blue while green
exists degrades the deployment's replication (Aurora User Guide, "Limitations and considerations for blue/green
deployments": PostgreSQL logical replication limitations). A primary key: blue/green needs one for replicated rows.
"""

from __future__ import annotations

HEARTBEAT_TABLE = "aurora_upgrade_heartbeat"
CREATE_HEARTBEAT = (
    f"CREATE TABLE IF NOT EXISTS public.{HEARTBEAT_TABLE} (id bigserial PRIMARY KEY, "
    "written_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp())"
)
SERVER_VERSION = "SELECT pg_catalog.current_setting('server_version') AS server_version"
WRITE = (
    f"INSERT INTO public.{HEARTBEAT_TABLE} DEFAULT VALUES "
    "RETURNING pg_catalog.current_setting('server_version') AS server_version"
)
