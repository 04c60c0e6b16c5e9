"""moto's RDS made to behave like Aurora PostgreSQL for the upgrade workflow, one module per behaviour:
validation and progress of clusters and instances, parameter groups, blue/green deployments, in-place
upgrades, restores and renames, read-only actions moto lacks, the faults a scenario injects, and cluster
endpoints answered by real servers. ``realism.realistic_rds`` switches it all on.

May import: ``catalogue``.
"""
