"""Asset helpers: unique names (never overwrite), SoundWave import, actor lookup."""

import os

MAX_SUFFIX = 9999  # same rule as talkrig.unreal.naming: base, base_2, base_3, ...


def unique_asset_path(folder, base):
    """First ``folder/base``, ``folder/base_2``, ... that does not exist yet."""
    import unreal

    for n in range(1, MAX_SUFFIX + 1):
        name = base if n == 1 else f"{base}_{n}"
        path = f"{folder}/{name}"
        if not unreal.EditorAssetLibrary.does_asset_exist(path):
            return path
    raise RuntimeError(f"{MAX_SUFFIX} assets named {base}_N already exist in {folder}")


def create_asset(path, asset_class, factory):
    """Create a new asset at ``path`` (a path from :func:`unique_asset_path`)."""
    import unreal

    folder, name = path.rsplit("/", 1)
    asset = unreal.AssetToolsHelpers.get_asset_tools().create_asset(name, folder, asset_class,
                                                                     factory)
    if asset is None:
        raise RuntimeError(f"could not create {path}")
    return asset


def sound_wave(audio_path, folder, name):
    """The SoundWave ``folder/name`` if it was imported from ``audio_path``, else
    ``audio_path`` imported beside it under a free name (an asset of that name made from
    another file, or not a sound, is left alone)."""
    import unreal

    path = f"{folder}/{name}"
    if unreal.EditorAssetLibrary.does_asset_exist(path):
        existing = unreal.EditorAssetLibrary.load_asset(path)
        if _imported_from(existing, audio_path):
            return existing
        path = unique_asset_path(folder, name)
    task = unreal.AssetImportTask()
    task.set_editor_property("filename", audio_path)
    task.set_editor_property("destination_path", folder)
    task.set_editor_property("destination_name", path.rsplit("/", 1)[1])
    task.set_editor_property("automated", True)
    task.set_editor_property("replace_existing", False)
    task.set_editor_property("save", True)
    unreal.AssetToolsHelpers.get_asset_tools().import_asset_tasks([task])
    imported = list(task.get_editor_property("imported_object_paths"))
    if not imported:
        raise RuntimeError(f"could not import audio {audio_path}")
    return unreal.EditorAssetLibrary.load_asset(imported[0])


def _imported_from(asset, audio_path):
    """True when ``asset`` is a SoundWave whose source file is ``audio_path``."""
    import unreal

    if not isinstance(asset, unreal.SoundWave):
        return False
    source = asset.get_editor_property("asset_import_data").get_first_filename()
    return bool(source) and os.path.normcase(os.path.abspath(source)) == \
        os.path.normcase(os.path.abspath(audio_path))


def find_actor(label):
    """The level actor whose label is ``label``."""
    import unreal

    actors = unreal.get_editor_subsystem(unreal.EditorActorSubsystem).get_all_level_actors()
    for actor in actors:
        if actor.get_actor_label() == label:
            return actor
    raise RuntimeError(f"no actor labelled {label!r} in the open level")


def face_component(actor, name):
    """The actor's skeletal mesh component called ``name`` (MetaHuman: "Face"), or its only one."""
    import unreal

    components = list(actor.get_components_by_class(unreal.SkeletalMeshComponent))
    for component in components:
        if component.get_name() == name:
            return component
    if len(components) == 1:
        return components[0]
    raise RuntimeError(f"actor {actor.get_actor_label()!r} has no skeletal mesh component "
                       f"named {name!r}")
