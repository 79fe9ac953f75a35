"""Key plans on the wire: JSON, zlib-compressed, base64 (standard library only)."""

import base64
import json
import zlib

PLAN_SCHEMA = "talkrig.unreal_plan/1"


def decode_plan(text):
    """The plan dict from its encoded form; ValueError for anything else."""
    plan = json.loads(zlib.decompress(base64.b64decode(text)).decode("utf-8"))
    check_plan(plan)
    return plan


def check_plan(plan):
    """Raise ValueError unless ``plan`` is a TalkRig key plan this plugin understands."""
    if not isinstance(plan, dict) or plan.get("schema") != PLAN_SCHEMA:
        raise ValueError(f"not a TalkRig key plan (expected schema {PLAN_SCHEMA})")
    if plan.get("target") not in ("metahuman", "arkit"):
        raise ValueError(f"unknown plan target {plan.get('target')!r}")
