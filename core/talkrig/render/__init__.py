"""Neural render path (READ Avatars style): head mesh -> raster -> neural texture -> UNet.

Light on purpose: torch is imported only inside the modules that need it
(``raster``, ``nets``, ``track``, ``train``, ``infer``); ``head``, ``video`` and
``metrics`` are NumPy only.
"""
