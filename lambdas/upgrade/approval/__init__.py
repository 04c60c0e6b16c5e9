"""The approval gate before a blue/green switchover: asking a person (``gate``), signed links, the pages a person
sees, and handing their decision to the workflow (``decision``, which imports neither notifications nor the workflow
state: a function of its own).

May import: ``shared``, ``notifications`` (the approval request is a notification), ``aws``.
"""
