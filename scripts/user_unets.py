"""Users' networks as they come: two MRI U-Nets built from the layers common MRI libraries use,
trained briefly (400 Adam steps by default), exported to TorchScript with a model card, then
attacked through the command line with no attack flags (the budgeted default) — and, for
comparison, with a 10× longer search and 8 restarts, every start run to its end.

- `unet-in`: fastMRI-style blocks (3×3 conv, instance norm, leaky ReLU) ×2, max-pool down,
  transposed-conv up, zero padding; per-image normalisation of the input, undone on the output.
- `unet-reflect`: MONAI-style blocks (reflection padding, conv, instance norm, PReLU), strided-conv
  down, bilinear upsampling up, a residual connection to the zero-filled input.

Both take the zero-filled image as two channels (the card's `warm_start_channels`) at 33% Cartesian
sampling (8 centre lines), trained on the shipped MNI template slices. Nothing is shipped: the
models, cards and results are written under --out.

    python scripts/user_unets.py --out docs/results/user-unets --steps 400 --threads 1
    python scripts/user_unets.py --attack-only     # attack the models a previous run trained
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch import nn

SHAPE = (128, 128)
MASK = {"kind": "cartesian", "rate": 0.33, "seed": 0, "options": {}}


class FastMRIBlock(nn.Sequential):
    def __init__(self, cin: int, cout: int):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.InstanceNorm2d(cout),
                         nn.LeakyReLU(0.2), nn.Conv2d(cout, cout, 3, padding=1, bias=False),
                         nn.InstanceNorm2d(cout), nn.LeakyReLU(0.2))


class UNetInstanceNorm(nn.Module):
    """fastMRI-style U-Net (3 levels, 16 channels) with per-image input normalisation."""

    def __init__(self, chans: int = 16):
        super().__init__()
        self.down = nn.ModuleList([FastMRIBlock(2, chans), FastMRIBlock(chans, 2 * chans),
                                   FastMRIBlock(2 * chans, 4 * chans)])
        self.bottom = FastMRIBlock(4 * chans, 8 * chans)
        self.up_t = nn.ModuleList([nn.ConvTranspose2d(8 * chans, 4 * chans, 2, stride=2),
                                   nn.ConvTranspose2d(4 * chans, 2 * chans, 2, stride=2),
                                   nn.ConvTranspose2d(2 * chans, chans, 2, stride=2)])
        self.up = nn.ModuleList([FastMRIBlock(8 * chans, 4 * chans), FastMRIBlock(4 * chans, 2 * chans),
                                 FastMRIBlock(2 * chans, chans)])
        self.out = nn.Conv2d(chans, 2, 1)

    def forward(self, x):
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True) + 1e-6
        h = (x - mean) / std
        skips: list[torch.Tensor] = []
        for block in self.down:
            h = block(h)
            skips.append(h)
            h = nn.functional.max_pool2d(h, 2)
        h = self.bottom(h)
        for up_t, block in zip(self.up_t, self.up):
            h = block(torch.cat([up_t(h), skips.pop()], 1))
        return self.out(h) * std + mean


class MonaiBlock(nn.Sequential):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__(nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3, stride=stride), nn.InstanceNorm2d(cout),
                         nn.PReLU())


class UNetReflect(nn.Module):
    """MONAI-style U-Net (strided convs, reflection padding, PReLU), residual to the input."""

    def __init__(self, chans: int = 16):
        super().__init__()
        self.enc = nn.ModuleList([MonaiBlock(2, chans), MonaiBlock(chans, 2 * chans, 2),
                                  MonaiBlock(2 * chans, 4 * chans, 2), MonaiBlock(4 * chans, 8 * chans, 2)])
        self.dec = nn.ModuleList([MonaiBlock(12 * chans, 4 * chans), MonaiBlock(6 * chans, 2 * chans),
                                  MonaiBlock(3 * chans, chans)])
        self.out = nn.Conv2d(chans, 2, 1)

    def forward(self, x):
        skips: list[torch.Tensor] = []
        h = x
        for block in self.enc:
            h = block(h)
            skips.append(h)
        skips.pop()
        for block in self.dec:
            h = nn.functional.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False)
            h = block(torch.cat([h, skips.pop()], 1))
        return x + self.out(h)


def train(net: nn.Module, steps: int, seed: int) -> dict:
    """Adam on ‖f(A*y) − x‖² over MNI slices at the card's mask, batches of 4, `steps` steps."""
    from stabview.experiment import Sampling
    from stabview.networks.base import to_channels
    from stabview.training.data import BrainSlices

    data = BrainSlices("t1", SHAPE)
    op = Sampling("fourier", "cartesian", MASK["rate"], MASK["seed"]).operator(SHAPE)
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    start = time.monotonic()
    for _ in range(steps):
        x = data.batch(4, g).to(torch.complex64)
        inputs = to_channels(op.adjoint(op.forward(x)))
        loss = (net(inputs) - to_channels(x)).pow(2).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    minutes = (time.monotonic() - start) / 60
    held = data.evaluation_images(8).to(torch.complex64)
    with torch.no_grad():
        zf = op.adjoint(op.forward(held))
        out = net.eval()(to_channels(zf))
    from stabview.stability.metrics import psnr
    rec = torch.complex(out[:, 0], out[:, 1])
    return {"steps": steps, "minutes": minutes, "psnr_network": float(psnr(rec, held).mean()),
            "psnr_input": float(psnr(zf, held).mean())}


def _train_and_save(name: str, net: nn.Module, steps: int, models: Path) -> dict:
    """Train `net`, save it as TorchScript with its model card under `models`; the training numbers."""
    numbers = train(net, steps, seed=0)
    print(f"{name}: {numbers}", flush=True)
    torch.jit.script(net.eval()).save(str(models / f"{name}.pt"))
    card = {"name": name, "modality": "fourier", "image_shape": list(SHAPE), "mask": MASK, "rate": MASK["rate"],
            "accepts_other_rates": True, "input_convention": "warm_start_channels",
            "output_convention": "channels", "architecture": "custom",
            "data": f"MNI template slices, {numbers['steps']} Adam steps ({numbers['minutes']:.1f} minutes)",
            "psnr_network": numbers["psnr_network"], "psnr_input": numbers["psnr_input"]}
    (models / f"{name}.json").write_text(json.dumps(card, indent=1))
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/results/user-unets")
    parser.add_argument("--steps", type=int, default=400, help="Adam steps of 4 images (default 400)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--image", default="brain")
    parser.add_argument("--attack-only", action="store_true",
                        help="reuse the models and cards a previous run wrote under --out/models (no training)")
    parser.add_argument("--jobs", default="attack,attack-long",
                        help="attack jobs to run (default both; the table is made from the result.json present)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}", flush=True)
    out = Path(args.out)
    models = out / "models"           # not kept in the repository (see .gitignore)
    models.mkdir(parents=True, exist_ok=True)
    summary = {}
    for name, net in (("unet-in", UNetInstanceNorm()), ("unet-reflect", UNetReflect())):
        if args.attack_only:
            card = json.loads((models / f"{name}.json").read_text())
            steps = re.search(r"(\d+) Adam steps", card["data"])
            numbers = {"steps": int(steps.group(1)) if steps else args.steps, "psnr_network": card["psnr_network"],
                       "psnr_input": card["psnr_input"]}
        else:
            numbers = _train_and_save(name, net, args.steps, models)
        runs = {"attack": [], "attack-long": ["--iterations", "1000", "--restarts", "8", "--screen-steps", "0"]}
        for job, extra in runs.items():
            if job not in args.jobs.split(","):
                continue
            argv = [sys.executable, "-m", "stabview", "attack", "--network", str(models / f"{name}.pt"),
                    "--image", args.image, "--threads", str(args.threads), "--out", str(out / name / job), *extra]
            print("$ " + " ".join(argv[1:]), flush=True)
            subprocess.run(argv, check=True)
        summary[name] = {**numbers, **{job: json.loads((out / name / job / "result.json").read_text())
                                       for job in runs}}
    lines = ["# Users' U-Nets under the default attack", "",
             "Made by `python scripts/user_unets.py`: two U-Nets built from the layers common MRI libraries "
             "use, trained briefly, exported to TorchScript and attacked with `stabview attack --network "
             "MODEL.pt --image brain` (no attack flags), then with `--iterations 1000 --restarts 8 "
             "--screen-steps 0` (every start run to its end).", "",
             "| network | training | PSNR (zero-filled) | ‖r‖/‖x‖ | change | ceiling | adequacy | stopped by | "
             "longer search's change | default ÷ longer |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, s in summary.items():
        d, lg = s["attack"], s["attack-long"]
        lines.append(f"| {name} | {s['steps']} steps | {s['psnr_network']:.2f} dB ({s['psnr_input']:.2f} dB) | "
                     f"{100 * d['perturbation_rel']:.2f}% | {100 * d['network_change_rel']:.2f}% | "
                     f"{d['linear_gain']:.2f}× | {100 * d['adequacy']:.0f}% | {d['stopped_by']} | "
                     f"{100 * lg['network_change_rel']:.2f}% | "
                     f"{100 * d['network_change_rel'] / lg['network_change_rel']:.0f}% |")
    (out / "README.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out / 'README.md'}")


if __name__ == "__main__":
    main()
