"""Rig profiles as versioned JSON data, installed as ``talkrig.rigdata`` (see README.md here)."""
