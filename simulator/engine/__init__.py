"""Running a scenario: make sure the app is synthesized (with the clusters the scenario needs), read the
template, seed moto, run the definition through moto's Step Functions with the real handlers, answer task
tokens as the world would, run a fleet's child executions, and collect the outcome.

May import: ``enforcement``, ``rds``, ``scenario``, ``catalogue``, ``databases``.
"""
