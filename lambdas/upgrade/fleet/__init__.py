"""Fleets: many clusters upgraded in waves, each cluster by its own execution of the upgrade state machine.
The fleet input and its validation, the plan (which clusters, which target each, canary then waves), each
wave's outcome and the decision to go on or stop, the fleet preflight table, and the fleet's notifications.

May import: ``shared`` (the upgrade input every child execution is validated against), ``notifications``
(the message shape and its rendering), ``aws``.
"""
