"""The base of every pydantic model of ours: its validator and serializer are built on first use, not at import.

A handler's module defines (or imports) dozens of models but validates and serialises a handful, and most of
those only nested inside the workflow state, where pydantic builds them as part of the state's own schema.
Built eagerly at import, every class's standalone validator and serializer cost each cold start about as much as
the rest of our code (docs/benchmark.md); ``defer_build`` builds a class's schema the first time the class
validates or serialises, and never for a class that is only nested. "Defer model validator and serializer
construction until the first model validation ... useful to avoid the overhead of building models which are only
used nested within other models":
https://docs.pydantic.dev/latest/api/config/#pydantic.config.ConfigDict.defer_build

A subclass's own ``model_config`` is merged with this one (pydantic merges configurations along the class
hierarchy), so it keeps ``defer_build``. A default that is a model instance must be a ``default_factory``: an
instance made in a class body would build its class at import.

A module that defines models does not postpone its annotations (no ``from __future__ import annotations``):
pydantic would have to evaluate every field's annotation from its text when the class is defined, compiling each
one: about 3 % of a bare ``import boto3`` for the shared models alone, at every cold start (a method that returns
its own class names it in quotes). tests/unit/test_cold_import.py checks both rules.
"""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
