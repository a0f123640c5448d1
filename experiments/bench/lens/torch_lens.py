"""The PyTorch reference for bench/lens: the logit lens as a researcher writes it
with PyTorch (TransformerLens computes the same with its own GPT-2 module): the
model's weights loaded from a shang model file into bench/extract's GPT-2 module,
a forward pass keeping every residual stream, then per layer LN_f, the tied
unembedding, log-softmax, entropy, KL(final || layer), cross-entropy and the rank
of the final top-1. Prints positions/s and the per-layer means as TSV.
Usage: torch_lens.py MODEL.h5 TOKENS.h5 N B THREADS"""
import os
import sys
import time

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "extract"))
import torch_gpt2  # noqa: E402

mpath, tpath = sys.argv[1], sys.argv[2]
N, B, THREADS = (int(a) for a in sys.argv[3:6])
torch.set_num_threads(THREADS)
with h5py.File(mpath, "r") as f:
    w = {k: torch.from_numpy(f["weights"][k][...]) for k in f["weights"]}
    cfg = {k: int(f["config"].attrs[k]) for k in ("n_layer", "n_embd", "n_head", "n_ctx", "vocab_size")}
L, C, T, V = cfg["n_layer"], cfg["n_embd"], cfg["n_ctx"], cfg["vocab_size"]
torch_gpt2.configure(L, C, cfg["n_head"], T, V)
model = torch_gpt2.GPT().eval()
with torch.no_grad():
    model.wte.weight.copy_(w["wte"])
    model.wpe.weight.copy_(w["wpe"])
    for l, blk in enumerate(model.blocks):
        for mod, name in ((blk.ln1, "ln1"), (blk.ln2, "ln2")):
            mod.weight.copy_(w[name + "_w"][l])
            mod.bias.copy_(w[name + "_b"][l])
        for mod, name in ((blk.qkv, "qkv"), (blk.proj, "attproj"), (blk.fc, "fc"), (blk.fcproj, "fcproj")):
            mod.weight.copy_(w[name + "_w"][l])  # (out, in), as torch stores it
            mod.bias.copy_(w[name + "_b"][l])
    model.lnf.weight.copy_(w["lnf_w"])
    model.lnf.bias.copy_(w["lnf_b"])
ids = torch.from_numpy(h5py.File(tpath, "r")["tokens"][: N + 1].astype(np.int64))
assert len(ids) == N + 1 and N % T == 0, "N must be a multiple of the context"
X, Y = ids[:N].view(-1, T), ids[1:].view(-1, T)
sums = torch.zeros(L + 1, 4, dtype=torch.float64)  # entropy, kl, ce, agree


def lens(x, y):
    hs = model(x)[:-1]  # the residual streams 0..L (the last entry is ln_f's output)
    zf = model.lnf(hs[-1]) @ model.wte.weight.T
    lpf = zf.log_softmax(-1)
    pf, f1 = lpf.exp(), zf.argmax(-1, keepdim=True)
    for l, h in enumerate(hs):
        z = model.lnf(h) @ model.wte.weight.T
        lq = z.log_softmax(-1)
        ent = -(lq.exp() * lq).sum(-1)
        kl = (pf * (lpf - lq)).sum(-1)
        ce = -lq.gather(-1, y.unsqueeze(-1)).squeeze(-1)
        rank = (z > z.gather(-1, f1)).sum(-1)
        sums[l] += torch.stack([ent.sum(), kl.sum(), ce.sum(), (rank == 0).sum()]).double()


with torch.no_grad():
    lens(X[:1], Y[:1])  # warm-up
    sums.zero_()
    t0 = time.perf_counter()
    for b in range(0, X.shape[0], B):
        lens(X[b:b + B], Y[b:b + B])
    secs = time.perf_counter() - t0
print("rate\t%.1f" % (N / secs))
for l in range(L + 1):
    print("layer\t%d\t%s" % (l, "\t".join("%.6f" % v for v in (sums[l] / N).tolist())))
