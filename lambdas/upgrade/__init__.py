"""The domain: what each step of the upgrade does, as plain functions over the workflow state.

One package per capability; the step handlers (``lambdas/<step>/handler.py``) call into them, and they
call AWS only through the wrappers in ``lambdas/aws``. Imports flow one way::

    handler -> capability package -> database / waiting -> shared -> (nothing of ours but aws)

    shared/         the workflow state and input, named errors, runtime (Powertools, clients), naming, versions,
                    the results other steps read (preflight report, consistency and post-upgrade results)
    waiting/        wait loops: polling deadlines, task tokens woken by RDS events, reboots on record
    database/       sessions to a cluster's databases (pg8000 or the Data API) and the SQL they share
    preflight/      everything checked before anything changes: control plane and SQL catalogue
    preparation/    capacity, pre-upgrade snapshot, source and target parameter groups
    strategies/     blue/green and in-place, then verify and clean up
    recovery/       the way back: move aside, restore the snapshot, recreate the instances
    post_upgrade/   ANALYZE and extension updates on the new version, the Terraform drift report
    consistency/    blue against green before the switchover
    approval/       the person's go/no-go before the switchover
    notifications/  what a message says and how it reaches email, Slack and Chatbot

Every package's ``__init__`` holds only its docstring, so importing one module never imports its siblings.
"""
