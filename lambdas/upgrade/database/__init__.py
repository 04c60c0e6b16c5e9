"""Reaching a cluster's databases: sessions over pg8000 or the RDS Data API with the input's secret, the
executor protocol every in-database step uses, quoting, and the statement-time budget.

May import: ``shared``, ``aws``.
"""
