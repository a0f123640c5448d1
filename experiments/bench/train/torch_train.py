"""The PyTorch reference for bench/train: the GPT-2 architecture of
bench/extract/torch_gpt2.py trained with AdamW (lr 1e-3, betas 0.9/0.95, weight
decay 0.1, gradient clipping 1.0) on random tokens, tied unembedding. Prints
tokens/s: median step time over STEPS after 2 warm-up steps.
Usage: torch_train.py L C NH T V B STEPS THREADS"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "extract"))
import torch_gpt2  # noqa: E402

L, C, NH, T, V, B, STEPS, THREADS = (int(a) for a in sys.argv[1:9])
torch_gpt2.configure(L, C, NH, T, V)
torch.set_num_threads(THREADS)
torch.manual_seed(0)
model = torch_gpt2.GPT().train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
times = []
for step in range(STEPS + 2):
    idx = torch.randint(0, V, (B, T + 1))
    t0 = time.perf_counter()
    h = model(idx[:, :-1])[-1]
    logits = h @ model.wte.weight.T
    loss = F.cross_entropy(logits.view(-1, V), idx[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step >= 2:
        times.append(time.perf_counter() - t0)
times.sort()
print("%.1f" % (B * T / times[len(times) // 2]))
