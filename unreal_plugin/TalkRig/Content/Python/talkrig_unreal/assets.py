"""Asset helpers: unique names (never overwrite), SoundWave import, actor lookup."""

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
    """The SoundWave ``folder/name`` if it exists, else ``audio_path`` imported there."""
    import unreal

    path = f"{folder}/{name}"
    if unreal.EditorAssetLibrary.does_asset_exist(path):
        return unreal.EditorAssetLibrary.load_asset(path)
    task = unreal.AssetImportTask()
    task.set_editor_property("filename", audio_path)
    task.set_editor_property("destination_path", folder)
    task.set_editor_property("destination_name", name)
    task.set_editor_property("automated", True)
    task.set_editor_property("replace_existing", False)
    task.set_editor_property("save", True)
    unreal.AssetToolsHelpers.get_asset_tools().import_asset_tasks([task])
    imported = list(task.get_editor_property("imported_object_paths"))
    if not imported:
        raise RuntimeError(f"could not import audio {audio_path}")
    return unreal.EditorAssetLibrary.load_asset(imported[0])


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
