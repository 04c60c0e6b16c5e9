"""Getting the cluster ready, before either strategy: Serverless v2 capacity, the pre-upgrade snapshot,
blue's custom cluster parameter group with logical replication, and the target family's parameter groups.

May import: ``shared``, ``waiting``, ``aws``.
"""
