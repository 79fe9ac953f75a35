"""The torch rasterizer against renders whose answer is known exactly."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from talkrig.render.raster import rasterize  # noqa: E402

SIZE = 16


def _one_triangle(points, depth=(1.0, 1.0, 1.0)):
    xy = torch.tensor(points, dtype=torch.float64)
    return xy, torch.tensor(depth, dtype=torch.float64), torch.tensor([[0, 1, 2]])


def test_coverage_matches_the_point_in_triangle_rule_at_pixel_centres():
    xy, z, f = _one_triangle([[2.2, 1.7], [13.6, 4.1], [5.3, 14.8]])
    r = rasterize(xy, z, f, SIZE, SIZE)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    a, b, c = xy.numpy()
    cross = lambda o, p, qx, qy: (p[0] - o[0]) * (qy - o[1]) - (p[1] - o[1]) * (qx - o[0])  # noqa: E731
    s = [cross(a, b, xs, ys), cross(b, c, xs, ys), cross(c, a, xs, ys)]
    expected = ((s[0] >= 0) & (s[1] >= 0) & (s[2] >= 0)) | ((s[0] <= 0) & (s[1] <= 0) & (s[2] <= 0))
    assert np.array_equal(r.mask().numpy() > 0, expected)
    assert expected.sum() > 40


def test_barycentric_interpolation_reproduces_an_affine_attribute_exactly():
    xy, z, f = _one_triangle([[1.0, 1.0], [15.0, 2.0], [3.0, 15.0]])
    attr = torch.stack([0.1 * xy[:, 0] + 0.2, -0.3 * xy[:, 1] + 1.0], 1)[None]  # (1, 3, 2)
    img = rasterize(xy, z, f, SIZE, SIZE).interpolate(attr)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    m = img.abs().sum(0).numpy() > 0
    assert np.allclose(img[0].numpy()[m], (0.1 * xs + 0.2)[m], atol=1e-9)
    assert np.allclose(img[1].numpy()[m], (-0.3 * ys + 1.0)[m], atol=1e-9)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["near first", "near last"])
def test_the_z_buffer_keeps_the_nearer_triangle_whatever_the_order(order):
    near = [[0.0, 0.0], [16.0, 0.0], [0.0, 16.0]]
    far = [[16.0, 16.0], [0.0, 16.0], [16.0, 0.0], ]
    tris = [near, far]
    depths = [0.5, 2.0]
    xy = torch.tensor([p for i in order for p in tris[i]], dtype=torch.float64)
    z = torch.tensor([depths[i] for i in order for _ in range(3)], dtype=torch.float64)
    faces = torch.tensor([[0, 1, 2], [3, 4, 5]])
    colour = torch.tensor([float(i) for i in order], dtype=torch.float64)[:, None, None].expand(2, 3, 1)
    img = rasterize(xy, z, faces, SIZE, SIZE).interpolate(colour)[0].numpy()
    assert img[2, 2] == 0.0 and img[13, 13] == 1.0  # near one only; far one where alone
    assert img[7, 7] == 0.0  # overlap (both cover it): the near triangle wins


def test_interpolated_values_are_differentiable_in_vertex_positions():
    xy, z, f = _one_triangle([[1.3, 1.1], [14.2, 2.4], [4.1, 14.7]])
    attr = torch.tensor([[[0.0], [1.0], [0.3]]], dtype=torch.float64)

    def total(points):
        return rasterize(points, z, f, SIZE, SIZE).interpolate(attr).sum()

    torch.autograd.gradcheck(total, (xy.clone().requires_grad_(True),), eps=1e-6, atol=1e-5)


def test_soft_coverage_follows_the_hard_mask_and_moves_with_the_edges():
    xy, z, f = _one_triangle([[3.0, 3.0], [13.0, 3.0], [3.0, 13.0]])
    xy.requires_grad_(True)
    r = rasterize(xy, z, f, SIZE, SIZE, soft=True)
    hard = r.mask()
    assert torch.all(r.soft[hard > 0] >= 0.5) and torch.all(r.soft[hard == 0] <= 0.5)  # edge pixels: 0.5
    assert r.soft[8, 4] > 0.9 and r.soft[0, 15] < 0.01
    r.soft.sum().backward()
    # pushing the right-angle corner outward grows the triangle: gradient points away from it
    assert xy.grad[0, 0] < 0 and xy.grad[0, 1] < 0
