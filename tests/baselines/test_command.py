"""`stabview baseline`: flags, files written, numbers in result.json, one-line errors."""

import argparse
import json

import pytest

from stabview.commands import baseline
from stabview.errors import StabviewError


def parse(*argv):
    parser = argparse.ArgumentParser()
    baseline.add_parser(parser.add_subparsers())
    return parser.parse_args(["baseline", *argv])


@pytest.mark.parametrize("flags, linear", [
    (["--rate", "0.25"], "zero_filled"),
    (["--modality", "radon", "--views", "50", "--image", "shepp-logan"], "fbp"),
    (["--modality", "multicoil", "--iterations", "30"], "zero_filled"),
])
def test_writes_images_curve_and_result_json(tmp_path, flags, linear):
    args = parse("--image", "brain", "--size", "64", "--threads", "1", "--out", str(tmp_path), *flags)
    assert baseline.run(args) == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["psnr_baseline"] > result[f"psnr_{linear}"]
    assert len(result["objective"]) == result["iterations"]
    for name in ("baseline.png", f"{linear}.png", "panels.png", "objective.png", "baseline.npz"):
        assert (tmp_path / name).stat().st_size > 0


def test_flag_defaults_and_errors():
    args = parse()
    assert (args.image, args.modality, args.mask, args.size) == ("brain", "fourier", None, 128)
    with pytest.raises(StabviewError):
        baseline.run(parse("--modality", "radon", "--views", "0", "--size", "32", "--threads", "1"))
    with pytest.raises(StabviewError):
        baseline.run(parse("--mask", "radial-ish", "--size", "32", "--threads", "1"))
