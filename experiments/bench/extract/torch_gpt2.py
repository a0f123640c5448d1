"""The PyTorch reference for bench/extract: GPT-2's architecture (as Hugging Face's
GPT2Model computes it in torch 1.13: pre-LN blocks, masked softmax attention,
tanh GELU) with random weights, forward under no_grad keeping every layer's
hidden state. Prints tokens/s (median of REPS passes after a warm-up).
Usage: torch_gpt2.py L C NH T V B REPS THREADS"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

L, C, NH, T, V = 6, 256, 8, 256, 8192  # set by configure()


def configure(layers, width, heads, context, vocab):
    global L, C, NH, T, V
    L, C, NH, T, V = layers, width, heads, context, vocab


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.fc, self.fcproj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)))

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (z.view(b, t, NH, C // NH).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / (C // NH) ** 0.5
        att = att.masked_fill(~self.mask[:t, :t], float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, C)
        x = x + self.proj(y)
        return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.lnf = nn.LayerNorm(C)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        hidden = [x]
        for blk in self.blocks:
            x = blk(x)
            hidden.append(x)
        hidden.append(self.lnf(x))
        return hidden


if __name__ == "__main__":
    configure(*(int(a) for a in sys.argv[1:6]))
    B, REPS, THREADS = (int(a) for a in sys.argv[6:9])
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    model = GPT().eval()
    idx = torch.randint(0, V, (B, T))
    with torch.no_grad():
        model(idx)
        times = []
        for _ in range(REPS):
            t0 = time.perf_counter()
            hs = model(idx)
            times.append(time.perf_counter() - t0)
    times.sort()
    print("%.1f" % (B * T / times[len(times) // 2]))
