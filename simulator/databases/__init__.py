"""Real PostgreSQL servers behind the simulated clusters (a scenario's ``real_databases``): blue on the source's
exact version with a seed database, green made as Aurora makes it for PostgreSQL (a copy of blue's schema and data
on the target version, then logical replication per database), traffic on blue while green exists, the switchover
on the servers (writes refused on blue, replication caught up, sequences synchronized, the endpoint moved), in real
time while the workflow's own switchover probe (its real handler) writes through the cluster endpoint. Every server
is stopped and its data directory removed when the run ends, also on failure.

May import: nothing from the simulator (the engine wires it to the simulated RDS through ``rds``' hooks).
"""
