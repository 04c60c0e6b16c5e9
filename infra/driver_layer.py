"""The PostgreSQL driver for the in-database checks, as a Lambda layer built without Docker or network.

pg8000 and its dependencies are pure Python; the layer is assembled at synth by copying the
pinned packages already installed (requirements-dev.txt), so synth stays offline and the
asset hash changes only when a version does.
"""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

BUILD_DIR = Path(__file__).resolve().parent.parent / "build" / "database-driver-layer"
DISTRIBUTIONS = ("pg8000", "scramp", "asn1crypto", "python-dateutil", "six")


def build_layer_folder(target: Path = BUILD_DIR) -> Path:
    """Copy the installed files of each distribution into ``<target>/python`` (the layer's import root)."""
    root = target / "python"
    if target.exists():
        shutil.rmtree(target)
    root.mkdir(parents=True)
    for name in DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or []:
            if "__pycache__" in file.parts or file.suffix == ".pyc" or str(file).startswith(".."):
                continue
            source = Path(str(distribution.locate_file(file)))
            if source.is_file():
                destination = root / file
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
    return target


def database_driver_layer(scope: Construct, construct_id: str) -> lambda_.LayerVersion:
    return lambda_.LayerVersion(
        scope,
        construct_id,
        code=lambda_.Code.from_asset(str(build_layer_folder())),
        compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
        compatible_architectures=[lambda_.Architecture.ARM_64],
        description="pg8000 (pure Python) for the aurora-upgrade in-database prechecks",
    )
