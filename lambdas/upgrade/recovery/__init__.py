"""The way back after a failed upgrade: capture what a restore must recreate, move the replaced cluster
aside, restore the pre-upgrade snapshot under the original name, recreate its instances.

May import: ``shared``, ``waiting``, ``strategies`` (verify's promotion tiers, cleanup's final-snapshot delete),
``aws``.
"""
