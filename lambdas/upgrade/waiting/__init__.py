"""Waiting for RDS: deadlines and turn budgets of the wait loops, task tokens woken by RDS events
(with a polling fallback), and the instances rebooted so far, kept across passes.

May import: ``shared``, ``aws``.
"""
