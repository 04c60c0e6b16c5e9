"""CDK infrastructure of the Aurora PostgreSQL upgrade workflow.

One concern per module (configuration, Lambda factory, IAM statements, notifications,
state machine) and one stack that composes them. Synthesis is pure: no lookups, no
credentials, no Docker, so it runs offline in tests and in the simulator.
"""
