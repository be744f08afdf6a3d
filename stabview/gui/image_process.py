"""Large image files are read in a child process, so the window never waits for them.

Pillow decodes a PNG while holding Python's interpreter lock, in calls that took up to 150 ms
each for a 10000² file: in a thread that is a frozen window. A child process has its own
interpreter, so files above `LARGE_PIXELS` are read there with the very function the rest of
stabview uses (`load_image_or_builtin`, same result as the command line), and only the fitted
image comes back. Plain Python (no Qt), so the child never loads Qt.

The child is a plain `python -c` (nothing of this process is re-imported); the request goes in
as JSON and the image comes back as NPY bytes (no pickles either way).
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import ImageLoadError, StabviewError

LARGE_PIXELS = 16_000_000        # above this (4000² pixels), a file is read in a child process
LARGE_BYTES = 64 * 2 ** 20


def is_large(spec: str) -> bool:
    """A file big enough that reading it would stall a thread (header only: nothing decoded)."""
    if not os.path.isfile(spec):
        return False
    if os.path.getsize(spec) > LARGE_BYTES:
        return True
    try:
        from PIL import Image
        Image.MAX_IMAGE_PIXELS = None          # only the header is read here
        with Image.open(spec) as img:
            width, height = img.size
        return width * height > LARGE_PIXELS
    except Exception:  # noqa: BLE001 - not a Pillow format: judged by its size alone
        return False


def child_main() -> None:
    """In the child: read the request (JSON) from stdin, write the image (NPY) or an error to stdout."""
    import io
    import json
    import sys
    request = json.loads(sys.stdin.read())
    try:
        import torch
        torch.set_num_threads(1)
        from ..data import load_image_or_builtin
        image = load_image_or_builtin(request["spec"], tuple(request["shape"]), **request["kwargs"])
        out = io.BytesIO()
        np.save(out, image.numpy(), allow_pickle=False)
        sys.stdout.buffer.write(b"OK" + out.getvalue())
    except StabviewError as exc:
        sys.stdout.buffer.write(b"ER" + str(exc).encode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - reported to the window as the file's error
        sys.stdout.buffer.write(b"ER" + f"{request['spec']}: {type(exc).__name__}: {exc}".encode("utf-8"))
    sys.stdout.flush()


def load_in_child(spec: str, shape: tuple[int, int], kwargs: dict, should_stop=lambda: False) -> np.ndarray | None:
    """`load_image_or_builtin(spec, shape, **kwargs)` run in a child Python; None if stopped."""
    import io
    import json
    import subprocess
    import sys
    # the child runs below the window's priority, as the worker threads do (workers.WORKER_NICE)
    code = ("import os, sys\ntry:\n    os.nice(5)\nexcept OSError:\n    pass\n"
            "sys.path[:0] = " + repr([p for p in sys.path if p]) +
            "\nfrom stabview.gui.image_process import child_main\nchild_main()")
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    request = json.dumps({"spec": str(spec), "shape": list(shape), "kwargs": dict(kwargs)}).encode()
    while True:
        try:
            output, errors = process.communicate(request, timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            request = None
            if should_stop():
                process.kill()
                process.communicate()
                return None
    if output.startswith(b"OK"):
        return np.load(io.BytesIO(output[2:]), allow_pickle=False)
    if output.startswith(b"ER"):
        raise ImageLoadError(output[2:].decode("utf-8", "replace"))
    detail = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {process.returncode}"]
    raise ImageLoadError(f"{spec}: the process reading it failed ({detail[0]}; out of memory?)")
