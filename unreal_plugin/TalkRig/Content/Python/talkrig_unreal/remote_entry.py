"""What a remote ``talkrig unreal push`` runs in the editor: import one encoded plan."""

import json

from talkrig_unreal.plan_codec import decode_plan
from talkrig_unreal.sequencer import import_plan

RESULT_MARKER = "TALKRIG_RESULT "  # read back by talkrig.unreal.push


def import_encoded(encoded_plan, settings_json):
    """Decode, import, and print one ``TALKRIG_RESULT {json}`` line. Errors propagate."""
    result = import_plan(decode_plan(encoded_plan), json.loads(settings_json))
    print(RESULT_MARKER + json.dumps(result))
    return result
