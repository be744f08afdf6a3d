"""The null-space overlay: grey where a reconstruction is right, red where it invented content."""

import numpy as np
import torch

from stabview.stability.nullspace_figures import overlay


def test_overlay_is_grey_without_error_and_red_at_the_scale():
    image = torch.full((4, 4), 0.5)
    image[0, 0] = 1.0
    error = torch.zeros(4, 4)
    error[3, 3] = 2.0          # at twice the scale: clipped to full red
    error[2, 2] = 0.5          # at half the scale: halfway to red
    rgb = np.asarray(overlay(image, error, scale=1.0)).astype(int)
    assert tuple(rgb[0, 0]) == (255, 255, 255)
    assert tuple(rgb[1, 1]) == (128, 128, 128)
    assert tuple(rgb[3, 3]) == (255, 0, 0)
    assert tuple(rgb[2, 2]) == (191, 64, 64)


def test_overlay_of_a_zero_scale_is_the_plain_image():
    image = torch.rand(5, 5, generator=torch.Generator().manual_seed(0))
    rgb = np.asarray(overlay(image, torch.zeros(5, 5), scale=0.0)).astype(int)
    assert (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()
