"""Stand-in ``unreal``: assets, asset tools, AnimSequences."""

from __future__ import annotations

import os

from ._base import (ASSETS, BLUEPRINT_CLASSES, FrameNumber, FrameRate, Object, RawCurveTrackTypes,
                    _recorded, _Strict)


class AssetImportData(Object):
    def __init__(self, filename=""):
        super().__init__("", filename=filename)

    @_recorded
    def get_first_filename(self):
        return self._props["filename"]


class SoundWave(Object):
    PROPERTIES = ("asset_import_data",)


class Skeleton(Object):
    pass


class SkeletalMesh(Object):
    PROPERTIES = ("skeleton",)


class LevelSequenceFactoryNew(_Strict):
    pass


class AnimSequenceFactory(_Strict):
    PROPERTIES = ("target_skeleton",)


class AssetImportTask(_Strict):
    PROPERTIES = ("filename", "destination_path", "destination_name", "automated",
                  "replace_existing", "save", "imported_object_paths")


class AssetTools(_Strict):
    @_recorded
    def create_asset(self, asset_name, package_path, asset_class, factory, calling_context=""):
        path = f"{package_path}/{asset_name}"
        if path in ASSETS:
            raise RuntimeError(f"stand-in unreal: create_asset would overwrite {path}")
        from .sequencer import LevelSequence

        expected = {LevelSequence: LevelSequenceFactoryNew, AnimSequence: AnimSequenceFactory}
        assert isinstance(factory, expected[asset_class]), "factory does not make that class"
        asset = asset_class(path)
        if asset_class is AnimSequence:
            asset._props["skeleton"] = factory._props.get("target_skeleton")
        ASSETS[path] = asset
        return asset

    @_recorded
    def import_asset_tasks(self, import_tasks):
        for task in import_tasks:
            props = task._props
            path = f"{props['destination_path']}/{props['destination_name']}"
            if not os.path.isfile(props["filename"]):
                props["imported_object_paths"] = []
                continue
            assert path not in ASSETS or props["replace_existing"], "import would overwrite"
            ASSETS[path] = SoundWave(path, asset_import_data=AssetImportData(props["filename"]))
            props["imported_object_paths"] = [ASSETS[path].get_path_name()]


class AssetToolsHelpers:
    @staticmethod
    @_recorded
    def get_asset_tools():
        return AssetTools()


def _asset_path(path: str) -> str:
    return path.split(".", 1)[0]  # "/Game/A/B.B" -> "/Game/A/B"


class EditorAssetLibrary:
    @staticmethod
    @_recorded
    def does_asset_exist(asset_path):
        return _asset_path(asset_path) in ASSETS

    @staticmethod
    @_recorded
    def load_asset(asset_path):
        return ASSETS.get(_asset_path(asset_path))

    @staticmethod
    @_recorded
    def save_loaded_asset(asset_to_save, only_if_is_dirty=True):
        assert asset_to_save in ASSETS.values(), "saving an asset that was never created"
        return True

    @staticmethod
    @_recorded
    def delete_asset(asset_path_to_delete):
        return ASSETS.pop(_asset_path(asset_path_to_delete), None) is not None

    @staticmethod
    @_recorded
    def load_blueprint_class(asset_path):
        return BLUEPRINT_CLASSES.get(asset_path)


# ---------------------------------------------------------------- AnimSequences
class AnimationDataController(_Strict):
    def __init__(self):
        super().__init__(frame_rate=None, frames=None)

    @_recorded
    def set_frame_rate(self, frame_rate, should_transact=True):
        assert isinstance(frame_rate, FrameRate)
        self._props["frame_rate"] = frame_rate

    @_recorded
    def set_number_of_frames(self, length_in_frames, should_transact=True):
        assert isinstance(length_in_frames, FrameNumber) and length_in_frames._props["value"] > 0
        self._props["frames"] = length_in_frames._props["value"]


class AnimSequence(Object):
    PROPERTIES = ("controller", "skeleton")

    def __init__(self, path=""):
        super().__init__(path, controller=AnimationDataController(), skeleton=None, curves={})


class AnimationLibrary:
    @staticmethod
    @_recorded
    def add_curve(animation_sequence, curve_name, curve_type=RawCurveTrackTypes.RCT_FLOAT,
                  metadata_curve=False):
        curves = animation_sequence._props["curves"]
        assert curve_name not in curves, f"curve {curve_name} exists"
        curves[curve_name] = ([], [])

    @staticmethod
    @_recorded
    def add_float_curve_keys(animation_sequence, curve_name, times, values):
        curves = animation_sequence._props["curves"]
        assert curve_name in curves, f"no curve {curve_name}"
        assert len(times) == len(values)
        curves[curve_name][0].extend(float(t) for t in times)
        curves[curve_name][1].extend(float(v) for v in values)
