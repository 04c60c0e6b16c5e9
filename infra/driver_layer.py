"""The PostgreSQL driver for the in-database steps, as a Lambda layer built without Docker or network.

pg8000 and its dependencies are pure Python; the layer is assembled at synth by copying the
pinned packages already installed (requirements-dev.txt), so synth stays offline and the
asset hash changes only when a version does.

The folder is named after the versions it holds and is written once, by an atomic rename:
several syntheses may run at the same time (tests, the simulator, a developer's `make synth`),
and none may delete or half-write the folder another one is reading.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tempfile
from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

BUILD_ROOT = Path(__file__).resolve().parent.parent / "build"
# pg8000 and what it needs that the runtime does not have. pg8000 also needs python-dateutil (and it six): "The Lambda
# Python runtimes include the AWS SDK for Python (Boto3) and its dependencies" (Lambda Developer Guide, Python .zip
# deployment packages), and botocore imports them at every cold start. A copy here would come first on sys.path (the
# runtime's bootstrap: LAMBDA_TASK_ROOT, then /opt/python/lib/pythonN.N/site-packages, then /opt/python, then the
# runtime's packages), be compiled from source at each cold start of every function with the layer (0.4 x a bare
# `import boto3` in instructions, make bench), and replace the SDK's own dependency, which the same guide warns against.
DISTRIBUTIONS = ("pg8000", "scramp", "asn1crypto")


def build_layer_folder(root: Path = BUILD_ROOT) -> Path:
    """``<root>/database-driver-layer-<versions hash>`` holding ``python/`` (the layer's import root)."""
    versions = ",".join(f"{name}=={importlib.metadata.version(name)}" for name in DISTRIBUTIONS)
    target = root / f"database-driver-layer-{hashlib.sha256(versions.encode()).hexdigest()[:12]}"
    if target.is_dir():
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".database-driver-layer-", dir=root))
    try:
        _copy_distributions(staging / "python")
        try:
            os.rename(staging, target)  # atomic; fails if another synthesis got there first
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _copy_distributions(destination_root: Path) -> None:
    destination_root.mkdir(parents=True)
    for name in DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or []:
            if "__pycache__" in file.parts or file.suffix == ".pyc" or str(file).startswith(".."):
                continue
            source = Path(str(distribution.locate_file(file)))
            if source.is_file():
                destination = destination_root / file
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)


def database_driver_layer(scope: Construct, construct_id: str) -> lambda_.LayerVersion:
    return lambda_.LayerVersion(
        scope,
        construct_id,
        code=lambda_.Code.from_asset(str(build_layer_folder())),
        compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
        compatible_architectures=[lambda_.Architecture.ARM_64],
        description="pg8000 (pure Python) for the aurora-upgrade in-database steps",
    )
