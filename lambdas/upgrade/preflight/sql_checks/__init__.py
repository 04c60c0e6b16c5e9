"""The in-database prechecks, one module per kind (blockers, extensions, blue/green prerequisites, risks,
removed built-ins), the shape of a check (``model``) and their order in the report (``catalogue``).

May import: ``shared``, ``database``.
"""
