"""The preflight: refuse what cannot be upgraded before anything changes. Control-plane checks (boto3),
the SQL catalogue (``sql_checks/``, P1-P27, judged against real pg_upgrade), the runner that takes it through
every database, and the report it writes.

May import: ``shared``, ``database``, ``recovery`` (what a restore must recreate is captured here, before
anything changes), ``aws``.
"""
