"""What every capability reaches: the workflow's input and state, named errors, the handlers' runtime,
settings, the clock, deterministic names, versions and the per-cluster lock; and the results that travel in
the state between steps (the preflight report, the consistency and post-upgrade results, and where the whole
reports are stored); the shape facts a function can check without importing the models (``shapes``); and the
base of every model, whose pydantic build waits for its first use.

May import: ``aws`` (the runtime makes the clients). Imports no other package of ``upgrade``.
"""
