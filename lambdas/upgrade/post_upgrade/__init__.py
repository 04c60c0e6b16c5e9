"""After the engine changed: check the version on every instance, then ANALYZE and extension updates within
a time budget, the commands left for a person, and the Terraform/Terragrunt drift report.

May import: ``shared``, ``database``, ``aws``.
"""
