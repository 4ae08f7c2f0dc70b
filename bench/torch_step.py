"""PyTorch CPU peer for tear-ssl's benchmark: one SGD training step (forward, cross-entropy,
backward, update) of the same architectures as src/models/smallCnn.ts and src/models/wideResNet.ts.
Prints one JSON line: {"model", "batch", "threads", "ms": [...], "median_ms", "torch"}.
Usage: /usr/bin/python3 bench/torch_step.py --model small|wrn --batch 64 --steps 5 --warmup 2 --threads 1
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCnn(nn.Module):
    def __init__(self, in_ch, classes):
        super().__init__()
        self.c1 = nn.Conv2d(in_ch, 32, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(32)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(64)
        self.c3 = nn.Conv2d(64, 128, 3, padding=1)
        self.fc = nn.Linear(128, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        x = F.relu(self.c3(x))
        return self.fc(x.mean(dim=(2, 3)))


class Block(nn.Module):
    def __init__(self, cin, cout, stride, activate_before_residual):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = None if (cin == cout and stride == 1) else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)
        self.abr = activate_before_residual

    def forward(self, x):
        a = F.leaky_relu(self.bn1(x), 0.1)
        y = self.conv2(F.leaky_relu(self.bn2(self.conv1(a)), 0.1))
        if self.shortcut is None:
            return x + y
        return self.shortcut(a if self.abr else x) + y


class WideResNet(nn.Module):
    def __init__(self, classes, depth=28, widen=2):
        super().__init__()
        n = (depth - 4) // 6
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        blocks = []
        cin = 16
        for g, (cout, stride) in enumerate([(16 * widen, 1), (32 * widen, 2), (64 * widen, 2)]):
            for b in range(n):
                blocks.append(Block(cin, cout, stride if b == 0 else 1, g == 0))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = F.leaky_relu(self.bn(self.blocks(self.stem(x))), 0.1)
        return self.fc(x.mean(dim=(2, 3)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["small", "wrn"], required=True)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.model == "small":
        model, shape = SmallCnn(1, 10), (a.batch, 1, 28, 28)
    else:
        model, shape = WideResNet(10), (a.batch, 3, 32, 32)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(*shape)
    y = torch.randint(0, 10, (a.batch,))
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"model": a.model, "batch": a.batch, "threads": torch.get_num_threads(), "ms": times,
                      "median_ms": statistics.median(times), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
