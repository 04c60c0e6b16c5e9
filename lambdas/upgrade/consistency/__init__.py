"""Before the switchover: does green hold what blue holds? Schema fingerprints (a schema change on blue), every
sequence and row counts of blue's largest tables, database by database.

May import: ``shared``, ``database``, ``aws``.
"""
