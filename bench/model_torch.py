"""PyTorch baseline for bench/model.bench.ts: the same WGAN-GP critic / generator step (anet's U-Net
generator with BN, C3D_fcn_16-like critic with average pooling, gradient penalty, Adam) at batch 1,
2 threads. Prints one JSON line per size: {"size", "base", "critic_ms", "generator_ms"} (medians).
Run with Debian's python: /usr/bin/python3 bench/model_torch.py --sizes 64 128 256 --base 32."""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU())


class UNet(nn.Module):
    def __init__(self, base=32, levels=4):
        super().__init__()
        w = [base * 2**i for i in range(levels)]
        self.enc = nn.ModuleList()
        cin = 1
        for c in w:
            self.enc.append(nn.Sequential(block(cin, c), block(c, c)))
            cin = c
        self.up = nn.ModuleList([nn.ConvTranspose2d(w[i + 1], w[i], 4, stride=2, padding=1) for i in range(levels - 1)])
        self.dec = nn.ModuleList([nn.Sequential(block(2 * w[i], w[i]), block(w[i], w[i])) for i in range(levels - 1)])
        self.out = nn.Conv2d(w[0], 1, 1)

    def forward(self, x):
        skips = []
        h = x
        for i, e in enumerate(self.enc):
            h = e(h)
            if i < len(self.enc) - 1:
                skips.append(h)
                h = F.max_pool2d(h, 2)
        for i in range(len(self.up) - 1, -1, -1):
            h = self.dec[i](torch.cat([self.up[i](h), skips[i]], 1))
        return self.out(h)


class Critic(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128, 256), convs=(1, 1, 2, 2, 3)):
        super().__init__()
        self.stages = nn.ModuleList()
        cin = 1
        for c, n in zip(widths, convs):
            layers = []
            for _ in range(n):
                layers += [nn.Conv2d(cin, c, 3, padding=1), nn.ReLU()]
                cin = c
            self.stages.append(nn.Sequential(*layers))
        self.out = nn.Conv2d(cin, 1, 1)

    def forward(self, x):
        h = x
        for i, s in enumerate(self.stages):
            if i > 0:
                h = F.avg_pool2d(h, 2)
            h = s(h)
        return self.out(h).mean(dim=(1, 2, 3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    ap.add_argument("--base", type=int, default=32)
    ap.add_argument("--levels", type=int, default=4)
    ap.add_argument("--critic", type=str, default="16,32,64,128,256:1,1,2,2,3")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cw, cc = a.critic.split(":")
    for size in a.sizes:
        g = UNet(a.base, a.levels)
        d = Critic(tuple(int(x) for x in cw.split(",")), tuple(int(x) for x in cc.split(",")))
        og = torch.optim.Adam(g.parameters(), 1e-4, betas=(0.0, 0.9))
        od = torch.optim.Adam(d.parameters(), 1e-4, betas=(0.0, 0.9))
        tc, tg = [], []
        for i in range(a.steps + 1):
            t1 = torch.rand(1, 1, size, size)
            t2 = torch.rand(1, 1, size, size)
            t0 = time.perf_counter()
            with torch.no_grad():
                fake = t1 + g(t1)
            eps = torch.rand(1, 1, 1, 1)
            xh = (eps * t2 + (1 - eps) * fake).requires_grad_(True)
            gx = torch.autograd.grad(d(xh).sum(), xh, create_graph=True)[0]
            gp = ((gx.flatten(1).norm(dim=1) - 1) ** 2).mean()
            loss = d(fake).mean() - d(t2).mean() + 10 * gp
            od.zero_grad()
            loss.backward()
            od.step()
            t_c = time.perf_counter() - t0
            t0 = time.perf_counter()
            lg = -d(t1 + g(t1)).mean()
            og.zero_grad()
            lg.backward()
            og.step()
            t_g = time.perf_counter() - t0
            if i > 0:
                tc.append(t_c * 1000)
                tg.append(t_g * 1000)
        print(json.dumps({"size": size, "base": a.base, "critic_ms": statistics.median(tc), "generator_ms": statistics.median(tg)}), flush=True)


if __name__ == "__main__":
    main()
