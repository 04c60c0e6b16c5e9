"""Before the switchover: does green hold what blue holds? Row counts of blue's largest tables and every
sequence, database by database.

May import: ``shared``, ``database``, ``aws``.
"""
