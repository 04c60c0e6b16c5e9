"""The database driver layer (infra/driver_layer.py): pg8000 imports from it, and it shadows nothing that boto3's own
import loads (a copy in /opt/python would replace the runtime's for every cold start, compiled from source)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from infra.driver_layer import build_layer_folder


def _python(code: str) -> str:
    return subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout


def test_the_layer_shadows_nothing_boto3_imports_and_pg8000_imports_from_it(tmp_path: Path) -> None:
    root = build_layer_folder(tmp_path) / "python"
    held = {p.name.removesuffix(".py") for p in root.iterdir() if not p.name.endswith(".dist-info")}
    assert {"pg8000", "scramp", "asn1crypto"} <= held
    by_boto3 = set(
        json.loads(
            _python("import boto3, json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
        )
    )
    assert {"botocore", "dateutil"} <= by_boto3  # the probe sees boto3's dependencies
    assert held & by_boto3 == set()
    found = _python(f"import sys; sys.path.insert(0, {str(root)!r}); import pg8000; print(pg8000.__file__)")
    assert found.startswith(str(root))
