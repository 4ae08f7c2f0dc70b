"""PyTorch CPU peer of tear-ssl's FixMatch trainer step, for bench/run.ts.

One step, as SemiSupervisedTrainer.trainStep with method 'fixmatch' does it: weak(x), weak(u) and
strong(u) built with batched torch ops (weak: horizontal flip with p = 1/2, reflect-pad 4, random
crop; strong: weak, then per image 2 RandAugment operations drawn from FixMatch's 14 (images that
share an operation are processed together), magnitude ~ U[0, 10], random sign, then a Cutout square
of side 0.5·side filled with grey 0.5, clipped to [0, 1]); one training-mode forward of the small CNN
on 1×28×28 images (bench/torch_step.py's SmallCnn, as src/models/smallCnn.ts), or with --model wrn of
WRN-28-2 on 3×32×32 images (WideResNet, as src/models/wideResNet.ts), over cat([weak(x), weak(u), strong(u)]);
L = CE(y, z(weak x)) + CE(argmax q, z(strong u)) over the confident (max q >= 0.95) pseudo labels,
q = softmax(z(weak u)) without gradient; SGD with Nesterov momentum 0.9 and weight decay 5e-4; an
EMA of the weights (0.999) with batch-norm statistics copied; the loss and mask rate read back.

Usage: /usr/bin/python3 bench/torch_fixmatch.py --batch 32 --mu 3 --threads 2 [--model small|wrn] [--steps 5 --warmup 2]
prints one JSON line {"model", "batch", "mu", "threads", "ms": [...], "median_ms", "torch"}; with --serve it
instead runs one step per input line "step" and answers each with its milliseconds (so that the
caller can interleave these steps with its own), as {"ms", "cpu_ms"}: wall-clock and the process's
CPU time (all threads) of the step.
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from torch_step import SmallCnn, WideResNet

OPS = ["AutoContrast", "Brightness", "Color", "Contrast", "Equalize", "Identity", "Posterize",
       "Rotate", "Sharpness", "ShearX", "ShearY", "Solarize", "TranslateX", "TranslateY"]


def weak(x, g):
    n, _, h, w = x.shape
    flip = torch.rand(n, generator=g) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    p = F.pad(x, (4, 4, 4, 4), mode="reflect")
    oy = torch.randint(0, 9, (n,), generator=g)
    ox = torch.randint(0, 9, (n,), generator=g)
    rows = (oy[:, None] + torch.arange(h))[:, :, None]
    cols = (ox[:, None] + torch.arange(w))[:, None, :]
    return p[torch.arange(n)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)


def blend(x, degenerate, f):
    return (degenerate + f[:, None, None, None] * (x - degenerate)).clamp(0, 1)


def affine(x, theta):
    # Nearest-neighbour warp with grey fill: sample x − ½ (zero padding), add ½ back.
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x - 0.5, grid, mode="nearest", padding_mode="zeros", align_corners=False) + 0.5


def equalize(x):
    n, c, h, w = x.shape
    q = (x * 255 + 0.5).floor().clamp(0, 255).long().reshape(n * c, h * w)
    hist = torch.zeros(n * c, 256).scatter_add_(1, q, torch.ones_like(q, dtype=torch.float32))
    cdf = hist.cumsum(1)
    cdf_min = cdf.gather(1, q.min(1, keepdim=True).values)
    den = (h * w - cdf_min)
    out = (cdf.gather(1, q) - cdf_min) / den.clamp(min=1)
    return torch.where(den <= 0, x.reshape(n * c, h * w), out).reshape(n, c, h, w)


SMOOTH = torch.tensor([[1.0, 1, 1], [1, 5, 1], [1, 1, 1]]) / 13


def apply_op(op, x, m, s):
    t = m / 10
    n = x.shape[0]
    if op == "AutoContrast":
        lo = x.amin((2, 3), keepdim=True)
        hi = x.amax((2, 3), keepdim=True)
        r = hi - lo
        return torch.where(r <= 0, x, (x - lo) / torch.where(r <= 0, torch.ones_like(r), r))
    if op == "Brightness":
        return blend(x, torch.zeros_like(x), 1 + 0.9 * s * t)
    if op == "Color":
        return blend(x, x.mean(1, keepdim=True), 1 + 0.9 * s * t)
    if op == "Contrast":
        return blend(x, x.mean((1, 2, 3), keepdim=True), 1 + 0.9 * s * t)
    if op == "Equalize":
        return equalize(x)
    if op == "Identity":
        return x
    if op == "Posterize":
        step = 2.0 ** (8 - (8 - torch.round(4 * t)))
        return ((x * 255 + 0.5).floor() / step[:, None, None, None]).floor() * step[:, None, None, None] / 255
    if op == "Sharpness":
        c = x.shape[1]
        smooth = F.conv2d(x, SMOOTH.expand(c, 1, 3, 3), groups=c)
        degenerate = x.clone()
        degenerate[:, :, 1:-1, 1:-1] = smooth
        return blend(x, degenerate, 1 + 0.9 * s * t)
    if op == "Solarize":
        thr = (256 - 256 * t) / 255
        return torch.where(x >= thr[:, None, None, None], 1 - x, x)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = 1
    theta[:, 1, 1] = 1
    if op == "Rotate":
        a = (30 * s * t) * math.pi / 180
        theta[:, 0, 0] = torch.cos(a)
        theta[:, 0, 1] = -torch.sin(a)
        theta[:, 1, 0] = torch.sin(a)
        theta[:, 1, 1] = torch.cos(a)
    elif op == "ShearX":
        theta[:, 0, 1] = 0.3 * s * t
    elif op == "ShearY":
        theta[:, 1, 0] = 0.3 * s * t
    elif op == "TranslateX":
        theta[:, 0, 2] = -2 * torch.round(0.3 * s * t * x.shape[3]) / x.shape[3]
    elif op == "TranslateY":
        theta[:, 1, 2] = -2 * torch.round(0.3 * s * t * x.shape[2]) / x.shape[2]
    return affine(x, theta)


def strong(x, g):
    x = weak(x, g)
    n, _, h, w = x.shape
    for _slot in range(2):
        ops = torch.randint(0, len(OPS), (n,), generator=g)
        m = torch.rand(n, generator=g) * 10
        s = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
        out = torch.empty_like(x)
        for k in ops.unique().tolist():
            idx = (ops == k).nonzero().squeeze(1)
            out[idx] = apply_op(OPS[k], x[idx], m[idx], s[idx])
        x = out
    size = round(0.5 * min(h, w))
    cy = torch.randint(0, h, (n,), generator=g)[:, None, None, None]
    cx = torch.randint(0, w, (n,), generator=g)[:, None, None, None]
    top, left = cy - size // 2, cx - size // 2
    r = torch.arange(h)[None, None, :, None]
    c = torch.arange(w)[None, None, None, :]
    inside = (r >= top) & (r < top + size) & (c >= left) & (c < left + size)
    return torch.where(inside, torch.full_like(x, 0.5), x).clamp(0, 1)


class FixMatchStep:
    def __init__(self, batch, mu, model="small"):
        torch.manual_seed(0)
        self.g = torch.Generator().manual_seed(1)
        self.batch, self.u = batch, batch * mu
        build = (lambda: SmallCnn(1, 10)) if model == "small" else (lambda: WideResNet(10))
        self.shape = (1, 28, 28) if model == "small" else (3, 32, 32)
        self.model = build().train()
        self.ema = build().eval()
        self.ema.load_state_dict(self.model.state_dict())
        for p in self.ema.parameters():
            p.requires_grad_(False)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.03, momentum=0.9, nesterov=True, weight_decay=5e-4)
        self.k = 0

    def __call__(self):
        g = torch.Generator().manual_seed(1000 + self.k)
        self.k += 1
        x = torch.rand(self.batch, *self.shape, generator=g)
        y = torch.randint(0, 10, (self.batch,), generator=g)
        u = torch.rand(self.u, *self.shape, generator=g)
        c0 = time.process_time()
        t0 = time.perf_counter()
        with torch.no_grad():
            views = torch.cat([weak(x, self.g), weak(u, self.g), strong(u, self.g)])
        logits = self.model(views)
        lx, lw, ls = logits.split([self.batch, self.u, self.u])
        q = torch.softmax(lw.detach(), 1)
        conf, pseudo = q.max(1)
        mask = (conf >= 0.95).float()
        loss = F.cross_entropy(lx, y) + (F.cross_entropy(ls, pseudo, reduction="none") * mask).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            for pe, ps in zip(self.ema.parameters(), self.model.parameters()):
                pe.mul_(0.999).add_(ps, alpha=0.001)
            for be, bs in zip(self.ema.buffers(), self.model.buffers()):
                be.copy_(bs)
        loss.item()
        mask.mean().item()
        self.cpu_ms = (time.process_time() - c0) * 1000
        return (time.perf_counter() - t0) * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--mu", type=int, default=3)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--model", choices=["small", "wrn"], default="small")
    p.add_argument("--serve", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    step = FixMatchStep(a.batch, a.mu, a.model)
    if a.serve:
        print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
        for line in sys.stdin:
            if line.strip() != "step":
                break
            ms = step()
            print(json.dumps({"ms": ms, "cpu_ms": step.cpu_ms}), flush=True)
        return
    times = [step() for _ in range(a.warmup + a.steps)][a.warmup:]
    print(json.dumps({"model": a.model, "batch": a.batch, "mu": a.mu, "threads": torch.get_num_threads(), "ms": times,
                      "median_ms": statistics.median(times), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
