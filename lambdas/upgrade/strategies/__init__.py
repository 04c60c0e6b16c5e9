"""The two ways to the new version: a blue/green deployment with a switchover, or an in-place modify; then
verify the original name answers on the target version, and clean up the deployment.

May import: ``shared``, ``waiting``, ``aws``.
"""
