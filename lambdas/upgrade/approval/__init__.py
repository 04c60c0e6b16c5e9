"""The approval gate before a blue/green switchover: signed links, the pages a person sees, and handing
their decision to the workflow.

May import: ``shared``, ``notifications`` (the approval request is a notification), ``aws``.
"""
