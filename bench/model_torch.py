"""PyTorch baseline for bench/model.bench.ts: the same WGAN-GP critic / generator step (anet's U-Net
generator with BN, C3D_fcn_16-like critic with average pooling, gradient penalty, Adam) at batch 1
(--batch), 2 threads; --serve: the line protocol `anet bench` drives. Prints one JSON line per size: {"size", "base", "critic_ms", "generator_ms"} (medians).
Run with Debian's python: /usr/bin/python3 bench/model_torch.py --sizes 64 128 256 --base 32."""
import argparse
import json
import statistics
import sys
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
    def __init__(self, widths=(16, 32, 64, 128, 256), convs=(1, 1, 2, 2, 3), cin=1):
        super().__init__()
        self.stages = nn.ModuleList()
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


class StepBench:
    """One WGAN-GP critic step and one generator step, as anet's trainStep.ts runs them (batch b)."""

    def __init__(self, size, batch, base, levels, critic, conditional=False, l1=0.0):
        cw, cc = critic.split(":")
        self.size, self.batch, self.conditional, self.l1 = size, batch, conditional, l1
        self.g = UNet(base, levels)
        self.d = Critic(tuple(int(x) for x in cw.split(",")), tuple(int(x) for x in cc.split(",")), 2 if conditional else 1)
        self.og = torch.optim.Adam(self.g.parameters(), 1e-4, betas=(0.0, 0.9))
        self.od = torch.optim.Adam(self.d.parameters(), 1e-4, betas=(0.0, 0.9))

    def D(self, t1, x):
        return self.d(torch.cat([t1, x], 1) if self.conditional else x)

    def step(self):
        b, n = self.batch, self.size
        t1 = torch.rand(b, 1, n, n)
        t2 = torch.rand(b, 1, n, n)
        t0 = time.perf_counter()
        with torch.no_grad():
            fake = t1 + self.g(t1)
        eps = torch.rand(b, 1, 1, 1)
        xh = (eps * t2 + (1 - eps) * fake).requires_grad_(True)
        gx = torch.autograd.grad(self.D(t1, xh).sum(), xh, create_graph=True)[0]
        gp = ((gx.flatten(1).norm(dim=1) - 1) ** 2).mean()
        loss = self.D(t1, fake).mean() - self.D(t1, t2).mean() + 10 * gp
        self.od.zero_grad()
        loss.backward()
        self.od.step()
        t_c = time.perf_counter() - t0
        t1 = torch.rand(b, 1, n, n)
        t0 = time.perf_counter()
        m = self.g(t1)
        lg = -self.D(t1, t1 + m).mean() + self.l1 * m.abs().mean()
        self.og.zero_grad()
        lg.backward()
        self.og.step()
        t_g = time.perf_counter() - t0
        return t_c * 1000, t_g * 1000


def serve():
    """Line protocol for `anet bench` (one JSON object per line each way), so that its steps and these
    interleave in one process tree: {"cmd": "init", size, batch, base, levels, critic, conditional, l1,
    threads} → {"ok": true, "torch": version}; {"cmd": "step"} → {"critic_ms", "generator_ms"}."""
    bench = None
    for line in sys.stdin:
        msg = json.loads(line)
        try:
            if msg["cmd"] == "init":
                torch.set_num_threads(msg.get("threads", 2))
                torch.manual_seed(0)
                bench = StepBench(msg["size"], msg["batch"], msg["base"], msg["levels"], msg["critic"],
                                  msg.get("conditional", False), msg.get("l1", 0.0))
                out = {"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads()}
            elif msg["cmd"] == "step":
                c, g = bench.step()
                out = {"critic_ms": c, "generator_ms": g}
            else:
                out = {"error": f"unknown command {msg['cmd']}"}
        except Exception as e:  # reported to the caller, which skips the comparison
            out = {"error": str(e)}
        print(json.dumps(out), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    ap.add_argument("--base", type=int, default=32)
    ap.add_argument("--levels", type=int, default=4)
    ap.add_argument("--critic", type=str, default="16,32,64,128,256:1,1,2,2,3")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--serve", action="store_true", help="line protocol on stdin/stdout (anet bench)")
    a = ap.parse_args()
    if a.serve:
        return serve()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for size in a.sizes:
        bench = StepBench(size, a.batch, a.base, a.levels, a.critic)
        tc, tg = [], []
        for i in range(a.steps + 1):
            c, g = bench.step()
            if i > 0:
                tc.append(c)
                tg.append(g)
        print(json.dumps({"size": size, "base": a.base, "critic_ms": statistics.median(tc), "generator_ms": statistics.median(tg)}), flush=True)


if __name__ == "__main__":
    main()
