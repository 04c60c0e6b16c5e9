#!/usr/bin/env python3
"""CDK entry point: `python app.py` (make synth) or `npx cdk synth|deploy` through cdk.json."""

from infra.app_factory import build_app

if __name__ == "__main__":
    build_app().synth()
