"""Shipped files are found beside the package, are small, and carry their provenance and licences."""

import json

import pytest

from stabview.data import resource_path
from stabview.data.resources import ENV_VAR, resources_root
from stabview.errors import StabviewError

MNI_NOTICE_START = "Copyright (C) 1993-2004, Louis Collins McConnell Brain Imaging Centre,"
MNI_NOTICE_END = "of this software package."


def test_resources_sit_beside_the_package():
    assert (resources_root() / "images" / "images.json").is_file()
    assert resource_path("images", "PROVENANCE.md").is_file()


def test_missing_file_and_folder_are_reported(tmp_path, monkeypatch):
    with pytest.raises(StabviewError, match="images/nope.png"):
        resource_path("images", "nope.png")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "absent"))
    with pytest.raises(StabviewError, match=ENV_VAR):
        resource_path("images", "images.json")


def test_every_builtin_image_file_is_listed_small_and_provenanced():
    folder = resource_path("images")
    manifest = json.loads((folder / "images.json").read_text())
    provenance = (folder / "PROVENANCE.md").read_text()
    files = {e["file"] for e in manifest["images"]}
    on_disk = {p.name for p in folder.iterdir()} - {"images.json", "PROVENANCE.md"}
    assert files == on_disk
    assert sum((folder / f).stat().st_size for f in files) < 3 * 1024 * 1024
    for entry in manifest["images"]:
        assert entry["file"] in provenance or entry["name"].startswith("brain:")
        assert entry["source"]["package"] in provenance and entry["source"]["version"] in provenance
        assert len(entry["source"]["sha256"]) == 64
        assert "693" not in entry["source"]["file"]  # source terms unknown: never shipped


def test_mni_notice_travels_with_the_brain_slices():
    from PIL import Image

    provenance = resource_path("images", "PROVENANCE.md").read_text()
    assert MNI_NOTICE_START in provenance and MNI_NOTICE_END in provenance
    with Image.open(resource_path("images", "brain-00.png")) as img:
        notice = img.text["Copyright"]
    assert notice.startswith(MNI_NOTICE_START) and notice.endswith(MNI_NOTICE_END)
    assert notice in provenance
