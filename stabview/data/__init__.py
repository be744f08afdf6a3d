"""Images in: file loaders, generated phantoms and the built-in images, all as `(H, W)` in [0, 1].

`load_image(path, shape)` reads PNG, TIFF, NPY, DICOM and NIfTI; `load_builtin_image(name, shape)`
gives the built-in images listed by `list_builtin_images()`; `fit_to_shape(img, shape)` is the one
rule that puts an image on an operator's grid (centre-crop to its aspect ratio, then
antialiased bilinear resize).
"""

from .formats import MAX_PIXELS, MAX_VALUES
from .image_files import SUFFIXES, file_format, load_image, normalise_image, read_array
from .phantoms import random_ellipses, shepp_logan
from .resizing import fit_to_shape
from .resources import resource_path
from .builtin_images import is_builtin_name, list_builtin_images, load_image_or_builtin, load_builtin_image

__all__ = [
    "MAX_PIXELS",
    "MAX_VALUES",
    "SUFFIXES",
    "file_format",
    "fit_to_shape",
    "is_builtin_name",
    "list_builtin_images",
    "load_image",
    "load_image_or_builtin",
    "load_builtin_image",
    "normalise_image",
    "random_ellipses",
    "read_array",
    "resource_path",
    "shepp_logan",
]
