"""Least-privilege RDS permissions of every function, one module per capability (preflight, preparation,
blue_green, in_place, recovery, post_upgrade, notifications), next to the vocabulary they share (``grants``:
ARN patterns, the configured clusters' scope, why each wildcard is needed) and the map from function to
builder (``registry``). "What may this function do, and why" is answered by its builder's module.
"""
