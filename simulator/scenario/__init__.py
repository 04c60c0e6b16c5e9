"""The scenario file (documented in docs/scenarios.md): the starting world, the execution input, faults, the
expected outcome; comparing an outcome with it and the report a person reads.

May import: ``rds`` (a scenario seeds the realistic RDS).
"""
