"""The neural engine's network (torch; used only for training and ONNX export).

``dims.py`` (no torch) holds :class:`ModelDims`, the frozen description saved inside
every checkpoint and ONNX file; ``melspec.py`` the log-mel front end that runs inside
the graph; ``network.py`` the audio encoder, emotion encoder and temporal decoders;
``checkpoint.py`` saving and loading. Import the submodules you need: this package
itself imports nothing heavy.
"""
