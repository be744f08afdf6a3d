"""Model cards: validation of what a card may say, and the shipped cards against re-measured numbers."""

import json

import pytest

from stabview.networks import zoo
from stabview.networks.card import ModelCard
from stabview.networks.errors import CardError
from stabview.training.evaluate import evaluate
from stabview.training.loop import make_data, quality_bar
from stabview.training.recipes import RECIPES


def _card(**changes):
    base = dict(name="mine", modality="fourier", image_shape=[64, 64],
                mask={"kind": "cartesian", "rate": 0.33, "seed": 0, "options": {}}, rate=0.33,
                accepts_other_rates=True, input_convention="warm_start_channels", output_convention="channels")
    base.update(changes)
    return base


def test_a_minimal_card_is_valid_and_round_trips(tmp_path):
    card = ModelCard.from_dict(_card())
    card.save(tmp_path / "card.json")
    assert ModelCard.load(tmp_path / "card.json") == card


@pytest.mark.parametrize("changes, message", [
    ({"modality": "ultrasound"}, "modality"),
    ({"image_shape": [64]}, "image_shape"),
    ({"mask": {"kind": "uniform-angles", "rate": 0.05}}, "not for modality"),
    ({"mask": {"kind": "spiral", "rate": 0.1}}, "mask"),
    ({"rate": 1.5}, "rate"),
    ({"input_convention": "samples_vector"}, "cannot accept other rates"),
    ({"input_convention": "pixels"}, "input_convention"),
    ({"modality": "multicoil"}, "n_coils"),
    ({"psnr_network": float("nan")}, "finite"),
    ({"favourite_colour": "blue"}, "unknown keys"),
])
def test_impossible_cards_are_refused(changes, message):
    with pytest.raises(CardError, match=message):
        ModelCard.from_dict(_card(**changes))


def test_missing_keys_and_bad_json_are_reported(tmp_path):
    with pytest.raises(CardError, match="lacks"):
        ModelCard.from_dict({"name": "x", "modality": "fourier"})
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CardError, match="not valid JSON"):
        ModelCard.load(tmp_path / "bad.json")


SHIPPED = zoo.names()


def test_the_zoo_lists_what_is_shipped():
    assert set(SHIPPED) <= set(zoo.ORDER)
    shipped_folders = {p.parent.name for p in zoo.zoo_dir().glob("*/card.json")}
    assert set(SHIPPED) == shipped_folders & set(zoo.ORDER)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_card_is_complete_and_meets_the_quality_bar(name):
    card = zoo.card_of(name)
    for key in ("psnr_network", "psnr_input", "ssim_network", "ssim_input"):
        assert isinstance(getattr(card, key), float)
    assert card.psnr_network - card.psnr_input >= quality_bar(name)
    assert card.psnr_network > card.psnr_input
    assert card.seed is not None and card.command.startswith(f"stabview train {name}")
    assert card.training["iterations"] > 0 and not card.training["smoke"]
    assert card.data and card.attack_preset is not None
    assert len(card.evaluation["per_image"]["psnr_network"]) == card.evaluation["images"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_numbers_are_reproduced_on_held_out_images(name):
    net = zoo.load(name)
    card = net.card
    images = make_data(RECIPES[name]).evaluation_images(3)
    measured = evaluate(net, net.default_operator(), images)
    stored = card.evaluation["per_image"]
    for key, tol in (("psnr_network", 0.05), ("psnr_input", 0.01), ("ssim_network", 2e-3), ("ssim_input", 1e-3)):
        assert measured["per_image"][key] == pytest.approx(stored[key][:3], abs=tol), key


def test_zoo_command_lists_the_networks(capsys):
    import argparse
    from stabview.commands import zoo as zoo_command
    parser = argparse.ArgumentParser()
    zoo_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["zoo", "--json"])
    code = args.func(args)
    out = capsys.readouterr().out
    assert [c["name"] for c in json.loads(out)] == SHIPPED
    args = parser.parse_args(["zoo"])
    code = args.func(args)
    table = capsys.readouterr().out
    assert code == (0 if SHIPPED else 1)
    for name in SHIPPED:
        assert name in table


def test_all_six_networks_of_the_paper_are_shipped():
    assert SHIPPED == list(zoo.ORDER)


def test_the_zoo_fits_its_size_budget():
    total = sum((zoo.zoo_dir() / name / "weights.safetensors").stat().st_size for name in SHIPPED)
    assert total <= 60e6
