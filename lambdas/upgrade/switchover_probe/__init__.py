"""The write probe beside the switchover: a write to a heartbeat table through the cluster endpoint every half
second while the switchover runs (a Parallel branch), recording each success, each refusal and which server
version answered; its stop rule, the run-length timeline and the write unavailability read off it. It never fails
the upgrade: what it cannot measure it says.

May import: ``shared``, ``database``, ``aws``.
"""
