"""Our torch rasterizer against mitsuba 3 (drjit, CPU LLVM backend) on the ICT head.

Issue 7 asks for the rasterizer to be chosen by test. This script renders the
albedo-textured head (the tracker's photometric model: UV lookup into a texture,
constant background, orthographic camera, pose zero) at several sizes and times,
on ONE CPU thread, per backend and mode:

- ``torch hard`` / ``torch soft``: :func:`talkrig.render.raster.rasterize` with hard
  coverage (interior gradients only) or SoftRas edges (silhouette gradients).
- ``mitsuba raycast``: ``scene.ray_intersect`` of one orthographic ray per pixel
  centre (triangle id, barycentrics, UV; interior gradients only): the analogue of
  ``torch hard``.
- ``mitsuba prb``: ``mi.render`` with ``prb`` (max_depth 1: only the directly seen,
  textured emission) and an orthographic sensor, 1 jittered sample per pixel.
- ``mitsuba projective``: ``prb_projective`` (silhouette gradients by projective
  sampling). Its silhouette code accepts only perspective cameras, so the camera is
  a perspective one 10 m away with the field of view that frames the same 34 cm
  (weak perspective in all but name): the analogue of ``torch soft``.
- ``mitsuba scalar``: ``scalar_rgb`` ``path`` (max_depth 1), forward only.
- ``moderngl egl``: OpenGL on headless EGL (Mesa llvmpipe, LP_NUM_THREADS=1),
  forward only, not differentiable: colour and ``gl_PrimitiveID`` read back per frame.

Each (mode, size) runs in a fresh child process so that the first call's time
(drjit's JIT compile included, with an empty kernel cache: HOME points at a fresh
folder unless ``--keep-cache``) and the peak RSS belong to that case alone. The loss is the L1
distance to a target rendered with the mesh 1 px to the left; the gradient check
compares d loss / d (shift right, px) from the backward pass with a central finite
difference (same sampler seed): both should be positive.

mitsuba and moderngl are NOT TalkRig dependencies: run this script with the project
venv for our rows and pass ``--alt-python`` (a throwaway venv with mitsuba / moderngl;
the children get core/ on PYTHONPATH) for theirs; missing ones are skipped. drjit 1.5
aborts on Debian 12's LLVM 15 ("Cannot select fminimum"): point DRJIT_LIBLLVM_PATH at
a libLLVM >= 16 (19 was used, unpacked from Debian's libllvm19 package).

    python bench/bench_raster_alternatives.py [--alt-python /tmp/mtsvenv/bin/python]
        [--sizes 64 128 256] [--repeats 10]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HEAD_HEIGHT_CM = 34.0  # the tracker's default framing: 34 cm of head span the image
TEXTURE_SIZE = 256  # synthetic albedo texture, texels per side
BACKGROUND = 0.5  # constant grey background
TARGET_SHIFT_PX = -1.0  # the target is the same render with the mesh this far right (px)
FD_STEP_PX = 0.5  # central finite-difference step of the gradient check, pixels
PERSPECTIVE_DISTANCE_CM = 1000.0  # projective mode: camera 10 m away ~ orthographic
ORTHO_DISTANCE_CM = 100.0  # orthographic camera / ray origins: in front of the head
TORCH_MODES = ("hard", "soft")
MITSUBA_MODES = ("raycast", "prb", "projective", "scalar")
RESULT_TAG = "RESULT "  # marks the child's JSON line (mitsuba may log to stdout)


def _texture() -> np.ndarray:
    """Smooth RGB test texture ``(T, T, 3)`` float32 in [0.1, 0.9] (row 0 = v = 1)."""
    yy, xx = np.mgrid[0:TEXTURE_SIZE, 0:TEXTURE_SIZE] / TEXTURE_SIZE
    return np.stack([0.5 + 0.4 * np.sin(12 * xx), 0.5 + 0.4 * np.sin(9 * yy),
                     0.5 + 0.3 * np.sin(7 * (xx + yy))], -1).astype(np.float32)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls, milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


# ----------------------------------------------------------------------------- torch


def torch_case(mode: str, size: int, repeats: int) -> dict:
    """Time our rasterizer: forward, forward + backward to vertex positions."""
    import torch
    import torch.nn.functional as F
    from talkrig.render.camera import project
    from talkrig.render.head import load_head
    from talkrig.render.raster import rasterize
    torch.set_num_threads(1)
    head = load_head()
    verts0 = torch.from_numpy(head.vertices)
    faces = torch.from_numpy(head.faces)
    face_uvs = torch.from_numpy(head.face_uvs)
    texture = torch.from_numpy(_texture()).permute(2, 0, 1)
    pose = torch.zeros(6)
    soft = mode == "soft"
    rss_import = _rss_mb()

    def render(verts):
        xy, depth = project(verts, pose, size, HEAD_HEIGHT_CM)
        r = rasterize(xy, depth, faces, size, size, soft=soft)
        uv = (face_uvs[r.faces] * r.bary[..., None]).sum(1)
        grid = torch.stack([uv[:, 0] * 2 - 1, 1 - uv[:, 1] * 2], -1).view(1, 1, -1, 2)
        colour = F.grid_sample(texture[None], grid, align_corners=False,  # as render_albedo
                               padding_mode="border")[0, :, 0]  # but clamped like the others
        img = torch.zeros(3, size * size).index_copy(1, r.pixels, colour).view(3, size, size)
        alpha = (r.soft if soft else r.mask())[None]
        return alpha * img + (1 - alpha) * BACKGROUND

    cm_per_px = HEAD_HEIGHT_CM / size
    shift = torch.tensor([cm_per_px, 0.0, 0.0])
    with torch.no_grad():
        target = render(verts0 + TARGET_SHIFT_PX * shift)

    def loss_at(dx_px: float):
        with torch.no_grad():
            return float((render(verts0 + dx_px * shift) - target).abs().mean())

    def forward_backward():
        v = verts0.clone().requires_grad_(True)
        (render(v) - target).abs().mean().backward()
        return v.grad

    start = time.perf_counter()
    grad = forward_backward()
    cold = time.perf_counter() - start
    fwd = _timed(lambda: loss_at(0.0), repeats)
    fb = _timed(forward_backward, repeats)
    fd = (loss_at(FD_STEP_PX) - loss_at(-FD_STEP_PX)) / (2 * FD_STEP_PX)
    out = {"backend": "torch", "mode": mode, "size": size, "cold_s": cold, "fwd_ms": fwd,
           "fb_ms": fb, "rss_mb": _rss_mb(), "rss_import_mb": rss_import,
           "grad_dx": float(grad[:, 0].sum()) * cm_per_px, "fd_dx": fd,
           "image": render(verts0).detach().permute(1, 2, 0).numpy()}
    with torch.no_grad():
        xy, depth = project(verts0, pose, size, HEAD_HEIGHT_CM)
        r = rasterize(xy, depth, faces, size, size)
        out["faces"] = np.full(size * size, -1, np.int64)
        out["faces"][r.pixels.numpy()] = r.faces.numpy()
        out["faces"] = out["faces"].reshape(size, size)
    return out


# --------------------------------------------------------------------------- mitsuba


def _mitsuba_scene(mi, mode: str, size: int, ply: str):
    """The textured head as an area emitter (albedo, no lighting) over a grey background."""
    half = HEAD_HEIGHT_CM / 2
    film = {"type": "hdrfilm", "width": size, "height": size, "pixel_format": "rgb",
            "rfilter": {"type": "box"}, "sample_border": mode == "projective"}
    if mode == "projective":
        fov = float(np.degrees(2 * np.arctan(half / PERSPECTIVE_DISTANCE_CM)))
        sensor = {"type": "perspective", "fov": fov, "fov_axis": "y",
                  "to_world": mi.ScalarTransform4f().look_at(
                      origin=[0, 0, PERSPECTIVE_DISTANCE_CM], target=[0, 0, 0], up=[0, 1, 0])
                  }
    else:
        sensor = {"type": "orthographic",
                  "to_world": mi.ScalarTransform4f().look_at(
                      origin=[0, 0, ORTHO_DISTANCE_CM], target=[0, 0, 0], up=[0, 1, 0])
                  @ mi.ScalarTransform4f().scale([half, half, 1])}
    sensor.update(film=film, sampler={"type": "independent", "sample_count": 1})
    integrator = {"prb": "prb", "projective": "prb_projective", "scalar": "path",
                  "raycast": "path"}[mode]
    texture = {"type": "bitmap", "bitmap": mi.Bitmap(np.flipud(_texture()).copy()),
               "raw": True, "filter_type": "bilinear", "wrap_mode": "clamp"}  # rows from v = 0
    settings = {"type": integrator, "max_depth": 1}
    if mode == "projective":
        settings["sppi"] = 0  # no indirect silhouettes at max_depth 1: skip their guiding
    return mi.load_dict({
        "type": "scene",
        "integrator": settings,
        "sensor": sensor,
        "background": {"type": "constant", "radiance": {"type": "rgb", "value": BACKGROUND}},
        "head": {"type": "ply", "filename": ply,
                 "bsdf": {"type": "diffuse", "reflectance": {"type": "rgb", "value": 0.0}},
                 "emitter": {"type": "area", "radiance": texture}},
    }), texture


def _write_head_ply(path: str) -> None:
    """The head as a binary PLY, unwelded (3 vertices per triangle: mitsuba's UVs are per
    vertex, ours per corner); triangle order is kept, so triangle ids match ours."""
    from talkrig.render.head import load_head
    head = load_head()
    n_faces = len(head.faces)
    vertex = np.concatenate([head.vertices[head.faces].reshape(-1, 3),
                             head.face_uvs.reshape(-1, 2)], 1).astype("<f4")
    face = np.zeros(n_faces, [("n", "u1"), ("i", "<i4", (3,))])
    face["n"], face["i"] = 3, np.arange(3 * n_faces).reshape(-1, 3)
    header = (f"ply\nformat binary_little_endian 1.0\nelement vertex {3 * n_faces}\n"
              + "".join(f"property float {c}\n" for c in "xyzuv")
              + f"element face {n_faces}\nproperty list uchar int vertex_indices\nend_header\n")
    with open(path, "wb") as f:
        f.write(header.encode("ascii") + vertex.tobytes() + face.tobytes())


def _raycast_renderer(mi, dr, scene, texture_dict, size: int):
    """One ray per pixel centre, our camera exactly -> image function and id/bary probe."""
    texture = mi.load_dict(texture_dict)
    cm_per_px = HEAD_HEIGHT_CM / size
    idx = dr.arange(mi.UInt32, size * size)
    px, py = mi.Float(idx % size), mi.Float(idx // size)
    x = (px + 0.5) * cm_per_px - HEAD_HEIGHT_CM / 2
    y = HEAD_HEIGHT_CM / 2 - (py + 0.5) * cm_per_px
    ray = mi.Ray3f(o=mi.Point3f(x, y, ORTHO_DISTANCE_CM), d=mi.Vector3f(0, 0, -1))

    def render(seed: int = 0):
        si = scene.ray_intersect(ray)
        colour = dr.select(si.is_valid(), texture.eval(si), mi.Color3f(BACKGROUND))
        return mi.TensorXf(dr.ravel(colour), shape=(size, size, 3))

    def ids():
        pi = scene.ray_intersect_preliminary(ray)
        face = dr.select(pi.is_valid(), mi.Int32(pi.prim_index), -1)
        return np.array(face).reshape(size, size), np.array(pi.prim_uv)

    return render, ids


def mitsuba_case(mode: str, size: int, repeats: int) -> dict:
    """Time mitsuba 3 rendering the same head: forward, forward + backward to vertices."""
    import drjit as dr
    import mitsuba as mi
    dr.set_thread_count(1)
    mi.set_variant("scalar_rgb" if mode == "scalar" else "llvm_ad_rgb")
    from talkrig.render.head import load_head
    head = load_head()
    rss_import = _rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        ply = str(Path(tmp) / "head.ply")
        _write_head_ply(ply)
        start = time.perf_counter()
        scene, texture = _mitsuba_scene(mi, mode, size, ply)
        load = time.perf_counter() - start
    params = mi.traverse(scene)
    out = {"backend": "mitsuba", "mode": mode, "size": size, "rss_import_mb": rss_import,
           "load_s": load}
    if mode == "scalar":
        start = time.perf_counter()
        image = mi.render(scene, spp=1)
        out["cold_s"] = time.perf_counter() - start
        out["static_ms"] = _timed(lambda: mi.render(scene, spp=1), repeats)
        out.update(rss_mb=_rss_mb(), image=np.array(image))
        return out
    cm_per_px = HEAD_HEIGHT_CM / size
    welded = mi.Float(np.ascontiguousarray(head.vertices.ravel()))
    corner = mi.UInt32(np.ascontiguousarray(head.faces.ravel().astype(np.uint32)))
    key = "head.vertex_positions"
    if mode == "raycast":
        render_fn, ids = _raycast_renderer(mi, dr, scene, texture, size)
    else:
        def render_fn(seed: int = 0):
            return mi.render(scene, params, spp=1, seed=seed)

    def place(dx_px: float, grad: bool):
        w = dr.unravel(mi.Point3f, welded)
        if grad:
            dr.enable_grad(w)
        moved = mi.Point3f(w.x + dx_px * cm_per_px, w.y, w.z)
        params[key] = dr.ravel(dr.gather(mi.Point3f, moved, corner))
        params.update()
        return w

    place(TARGET_SHIFT_PX, False)
    target = mi.TensorXf(dr.detach(render_fn(0)))
    dr.eval(target)

    def loss_at(dx_px: float, seed: int = 1) -> float:
        place(dx_px, False)
        return float(np.array(dr.mean(dr.abs(render_fn(seed) - target), axis=None)))

    def forward_backward(seed: int = 1):
        w = place(0.0, True)
        loss = dr.mean(dr.abs(render_fn(seed) - target), axis=None)
        dr.backward(loss)
        gx = np.array(dr.grad(w).x)
        return gx

    start = time.perf_counter()
    gx = forward_backward()
    out["cold_s"] = time.perf_counter() - start
    out["fwd_ms"] = _timed(lambda: loss_at(0.0), repeats)
    out["fb_ms"] = _timed(forward_backward, repeats)
    out["grad_dx"] = float(gx.sum()) * cm_per_px
    out["fd_dx"] = (loss_at(FD_STEP_PX) - loss_at(-FD_STEP_PX)) / (2 * FD_STEP_PX)
    place(0.0, False)
    out["image"] = np.array(render_fn(1))
    out["static_ms"] = _timed(lambda: dr.eval(render_fn(1)), repeats)  # geometry unchanged
    if mode == "raycast":
        out["faces"], _ = ids()
    out["rss_mb"] = _rss_mb()
    return out


# -------------------------------------------------------------------------- moderngl

_GL_VERTEX = """
#version 330
uniform float half_cm;
in vec3 pos;
in vec2 uv;
out vec2 v_uv;
void main() {
    v_uv = uv;
    gl_Position = vec4(pos.xy / half_cm, -pos.z / 100.0, 1.0);
}
"""
_GL_FRAGMENT = """
#version 330
uniform sampler2D tex;
in vec2 v_uv;
layout(location = 0) out vec4 colour;
layout(location = 1) out int face;
void main() {
    colour = vec4(texture(tex, v_uv).rgb, 1.0);
    face = gl_PrimitiveID;
}
"""


def moderngl_case(mode: str, size: int, repeats: int) -> dict:
    """Forward only (not differentiable): OpenGL through headless EGL (Mesa llvmpipe)."""
    os.environ.setdefault("LP_NUM_THREADS", "1")  # llvmpipe: one thread like the others
    import moderngl
    from talkrig.render.head import load_head
    head = load_head()
    rss_import = _rss_mb()
    ctx = moderngl.create_standalone_context(backend="egl")
    prog = ctx.program(vertex_shader=_GL_VERTEX, fragment_shader=_GL_FRAGMENT)
    prog["half_cm"].value = HEAD_HEIGHT_CM / 2
    tex = ctx.texture((TEXTURE_SIZE, TEXTURE_SIZE), 3, np.flipud(_texture()).tobytes(),
                      dtype="f4")  # GL rows run from v = 0 upward
    tex.repeat_x = tex.repeat_y = False  # clamp to the edge texel, like the others
    corners = head.vertices[head.faces].reshape(-1, 3).astype(np.float32)
    vbo = ctx.buffer(corners.tobytes())
    uvo = ctx.buffer(head.face_uvs.reshape(-1, 2).astype(np.float32).tobytes())
    vao = ctx.vertex_array(prog, [(vbo, "3f", "pos"), (uvo, "2f", "uv")])
    colour = ctx.texture((size, size), 4, dtype="f4")
    faces = ctx.texture((size, size), 1, dtype="i4")
    depth = ctx.depth_renderbuffer((size, size))
    fbo = ctx.framebuffer([colour, faces], depth)
    ctx.enable(moderngl.DEPTH_TEST)

    def render() -> np.ndarray:
        vbo.write(corners.tobytes())  # the vertices change every frame in real use
        fbo.use()
        fbo.clear(BACKGROUND, BACKGROUND, BACKGROUND, 1.0, depth=1.0)
        faces.write(np.full((size, size), -1, np.int32).tobytes())
        tex.use(0)
        vao.render(moderngl.TRIANGLES)
        img = np.frombuffer(colour.read(), np.float32).reshape(size, size, 4)
        return np.flipud(img[..., :3])

    start = time.perf_counter()
    render()
    cold = time.perf_counter() - start
    out = {"backend": "moderngl", "mode": mode, "size": size, "cold_s": cold,
           "fwd_ms": _timed(render, repeats), "rss_import_mb": rss_import,
           "renderer": ctx.info["GL_RENDERER"], "image": render().copy()}
    out["faces"] = np.flipud(np.frombuffer(faces.read(), np.int32).reshape(size, size)).copy()
    out["rss_mb"] = _rss_mb()
    return out


# ---------------------------------------------------------------------------- driver


def _child(spec: str, repeats: int, out_path: str) -> None:
    backend, mode, size = spec.split(":")
    run = {"torch": torch_case, "mitsuba": mitsuba_case, "moderngl": moderngl_case}[backend]
    result = run(mode, int(size), repeats)
    arrays = {k: result.pop(k) for k in ("image", "faces") if k in result}
    np.savez(out_path, **arrays)
    print(RESULT_TAG + json.dumps(result))


def _run_child(python: str, spec: str, repeats: int, tmp: Path, home: Path) -> dict:
    """Run one case in a fresh interpreter (HOME redirected: drjit's kernel cache)."""
    core = str(Path(__file__).resolve().parents[1] / "core")
    env = dict(os.environ, HOME=str(home), OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [core, os.environ.get("PYTHONPATH")])))
    npz = tmp / (spec.replace(":", "_") + ".npz")
    proc = subprocess.run([python, __file__, "--case", spec, "--repeats", str(repeats),
                           "--case-out", str(npz)], env=env, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not lines:
        err = (proc.stderr.strip().splitlines() or ["no output"])
        first = next((ln for ln in err if "ERROR" in ln or "Error" in ln), err[-1])
        hint = " (drjit needs libLLVM >= 16: set DRJIT_LIBLLVM_PATH)" if "fminimum" in first else ""
        return {"spec": spec, "error": f"rc={proc.returncode}: {first.strip()[:100]}{hint}"}
    result = json.loads(lines[-1][len(RESULT_TAG):])
    result.update(spec=spec, arrays=dict(np.load(npz)))
    return result


def _fmt(value, unit: str) -> str:
    return "-" if value is None else f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"


def _has(python: str, module: str) -> bool:
    if python == sys.executable:
        return importlib.util.find_spec(module) is not None
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([python, "-c", code], capture_output=True).returncode == 0


def _agreement(results: list[dict]) -> None:
    """Same-size images of different backends: mean |difference|; triangle ids: share equal."""
    by = {(r["backend"], r["mode"], r["size"]): r for r in results if "arrays" in r}
    for (backend, mode, size), r in sorted(by.items()):
        ref = by.get(("torch", "hard", size))
        if ref is None or r is ref:
            continue
        diff = np.abs(r["arrays"]["image"] - ref["arrays"]["image"]).mean()
        line = f"  {size:4d} px {backend} {mode} vs torch hard: mean |image diff| {diff:.4f}"
        if "faces" in r["arrays"] and backend != "torch":
            a, b = r["arrays"]["faces"], ref["arrays"]["faces"]
            line += (f", same coverage {np.mean((a >= 0) == (b >= 0)):.4f}, same triangle on "
                     f"covered pixels {np.mean(a[b >= 0] == b[b >= 0]):.4f}")
        print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256], help="image sizes, px")
    ap.add_argument("--repeats", type=int, default=10, help="timed calls per case (median)")
    ap.add_argument("--alt-python", default=sys.executable,
                    help="interpreter that has mitsuba / moderngl (TalkRig depends on neither)")
    ap.add_argument("--keep-cache", action="store_true",
                    help="keep drjit's kernel cache between cases (default: a fresh one each)")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--case-out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        return _child(args.case, args.repeats, args.case_out)
    specs = []
    if _has(sys.executable, "torch"):
        specs += [(sys.executable, f"torch:{m}:{s}") for s in args.sizes for m in TORCH_MODES]
    else:
        print("torch not importable: skipping our rasterizer's rows")
    for backend, modes in (("mitsuba", MITSUBA_MODES), ("moderngl", ("egl",))):
        if _has(args.alt_python, backend):
            specs += [(args.alt_python, f"{backend}:{m}:{s}") for s in args.sizes for m in modes]
        else:
            print(f"{backend} not importable: skipping its rows (TalkRig does not depend on "
                  "it; pass --alt-python PATH to an interpreter that has it)")
    results = []
    print("1 CPU thread; fwd / fwd+bwd: median ms, vertices moved every call (mitsuba: "
          "params.update() rebuilds the BVH); first: fwd+bwd in a fresh process (mitsuba: "
          "JIT compile, empty kernel cache); d/dx: d loss / d shift right (px) by backward "
          "and by finite difference")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for python, spec in specs:
            home = tmp / ("home" if args.keep_cache else spec.replace(":", "_"))
            home.mkdir(exist_ok=True)
            r = _run_child(python, spec, args.repeats, tmp, home)
            results.append(r)
            if "error" in r:
                print(f"{spec:26s} FAILED {r['error']}")
                continue
            grad = ("" if "grad_dx" not in r else
                    f"  d/dx {r['grad_dx']:+.2e} (fd {r['fd_dx']:+.2e})")
            print(f"{spec:26s} fwd {_fmt(r.get('fwd_ms'), 'ms'):>7s}  fwd+bwd "
                  f"{_fmt(r.get('fb_ms'), 'ms'):>7s}  first {r['cold_s']:6.2f} s  peak RSS "
                  f"{r['rss_mb']:4.0f} MB (after import {r['rss_import_mb']:.0f}){grad}"
                  + ("" if "static_ms" not in r else
                     f"  fwd, geometry unchanged {_fmt(r['static_ms'], 'ms')}")
                  + ("" if "load_s" not in r else f"  scene load {r['load_s']:.2f} s"),
                  flush=True)
            if not args.keep_cache:
                shutil.rmtree(home, ignore_errors=True)
    print("agreement (pose zero, same texture):")
    _agreement(results)


if __name__ == "__main__":
    main()
