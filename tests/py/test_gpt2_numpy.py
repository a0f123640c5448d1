"""An independent numpy reference for `shang import-gpt2` + `shang extract`: this
test writes a tiny GPT-2 checkpoint in Hugging Face's layout (model.safetensors
with Conv1D (in, out) weights, one tensor in float16, the attention-mask buffers,
a tied lm_head; config.json; GPT-2's vocab.json and merges.txt), imports it,
extracts every site of every layer for a text, and compares them with a float64
forward pass written here from the GPT-2 equations. Also: extraction is identical
across runs and thread counts."""
import json
import os
import shutil
import struct
import subprocess

import h5py
import numpy as np

from tap import check, done

tmp = os.environ.get("SHANG_TEST_TMP", "/tmp")
shang = os.environ.get("SHANG", "build/shang")
L, C, NH, T, V = 2, 32, 4, 64, 50257
rng = np.random.default_rng(7)
ckpt = os.path.join(tmp, "tiny-gpt2")
os.makedirs(ckpt, exist_ok=True)
shutil.copy("datasets/gpt2/encoder.json", os.path.join(ckpt, "vocab.json"))
shutil.copy("datasets/gpt2/vocab.bpe", os.path.join(ckpt, "merges.txt"))
json.dump({"n_layer": L, "n_embd": C, "n_head": NH, "n_positions": T, "vocab_size": V,
           "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}, open(os.path.join(ckpt, "config.json"), "w"))

W = {"wte.weight": rng.normal(0, 0.3, (V, C)), "wpe.weight": rng.normal(0, 0.3, (T, C)),
     "ln_f.weight": 1 + rng.normal(0, 0.2, C), "ln_f.bias": rng.normal(0, 0.2, C)}
for l in range(L):
    p = "h.%d." % l
    W[p + "ln_1.weight"] = 1 + rng.normal(0, 0.2, C)
    W[p + "ln_1.bias"] = rng.normal(0, 0.2, C)
    W[p + "attn.c_attn.weight"] = rng.normal(0, 0.3, (C, 3 * C))  # Conv1D: (in, out)
    W[p + "attn.c_attn.bias"] = rng.normal(0, 0.2, 3 * C)
    W[p + "attn.c_proj.weight"] = rng.normal(0, 0.3, (C, C))
    W[p + "attn.c_proj.bias"] = rng.normal(0, 0.2, C)
    W[p + "ln_2.weight"] = 1 + rng.normal(0, 0.2, C)
    W[p + "ln_2.bias"] = rng.normal(0, 0.2, C)
    W[p + "mlp.c_fc.weight"] = rng.normal(0, 0.3, (C, 4 * C))
    W[p + "mlp.c_fc.bias"] = rng.normal(0, 0.2, 4 * C)
    W[p + "mlp.c_proj.weight"] = rng.normal(0, 0.3, (4 * C, C))
    W[p + "mlp.c_proj.bias"] = rng.normal(0, 0.2, C)
W = {k: v.astype(np.float32) for k, v in W.items()}
W["wpe.weight"] = W["wpe.weight"].astype(np.float16)  # exercised as F16
tensors = dict(W)
tensors["lm_head.weight"] = W["wte.weight"]
for l in range(L):  # the causal-mask buffers some checkpoints carry
    tensors["h.%d.attn.bias" % l] = np.tril(np.ones((1, 1, T, T), np.float32))

# safetensors: 8-byte little-endian header length, JSON header, data
header, blobs, off = {}, [], 0
for name in sorted(tensors):
    a = np.ascontiguousarray(tensors[name])
    b = a.tobytes()
    header[name] = {"dtype": {np.float32: "F32", np.float16: "F16"}[a.dtype.type], "shape": list(a.shape),
                    "data_offsets": [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
header["__metadata__"] = {"format": "pt"}
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(os.path.join(ckpt, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))

model = os.path.join(tmp, "tiny-gpt2.h5")
r = subprocess.run([shang, "import-gpt2", "-q", "-o", model, ckpt], capture_output=True, text=True)
check("import-gpt2 succeeds", r.returncode == 0, r.stderr)
text = os.path.join(tmp, "numpy-text.txt")
open(text, "w").write("The bank of the river was steep. He cashed a check at the bank, and the river rose.\n")
outs = {}
for tag, threads in (("a", "2"), ("b", "2"), ("c", "1")):
    outs[tag] = os.path.join(tmp, "numpy-states-%s.h5" % tag)
    r = subprocess.run([shang, "extract", "-q", "-m", model, "--no-bos", "--threads", threads,
                        "--sites", "resid,ln_f,attn_out,mlp_out", "-o", outs[tag], text], capture_output=True, text=True)
    check("extract succeeds (%s threads)" % threads, r.returncode == 0, r.stderr)

# the float64 reference, from the equations
wd = {k: v.astype(np.float64) for k, v in W.items()}


def ln(x, w, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5) * w + b


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


with h5py.File(outs["a"], "r") as f:
    tok = f["tokens"][...]
    n = len(tok)
    x = wd["wte.weight"][tok] + wd["wpe.weight"][:n]
    ref = {("resid", 0): x.copy()}
    hs = C // NH
    mask = np.tril(np.ones((n, n), bool))
    for l in range(L):
        p = "h.%d." % l
        a = ln(x, wd[p + "ln_1.weight"], wd[p + "ln_1.bias"]) @ wd[p + "attn.c_attn.weight"] + wd[p + "attn.c_attn.bias"]
        q, k, v = a[:, :C], a[:, C:2 * C], a[:, 2 * C:]
        y = np.zeros((n, C))
        for hh in range(NH):
            s = slice(hh * hs, (hh + 1) * hs)
            att = q[:, s] @ k[:, s].T / np.sqrt(hs)
            att = np.where(mask, att, -np.inf)
            att = np.exp(att - att.max(1, keepdims=True))
            att /= att.sum(1, keepdims=True)
            y[:, s] = att @ v[:, s]
        y = y @ wd[p + "attn.c_proj.weight"] + wd[p + "attn.c_proj.bias"]
        ref[("attn_out", l + 1)] = y
        x = x + y
        m = gelu(ln(x, wd[p + "ln_2.weight"], wd[p + "ln_2.bias"]) @ wd[p + "mlp.c_fc.weight"] + wd[p + "mlp.c_fc.bias"])
        m = m @ wd[p + "mlp.c_proj.weight"] + wd[p + "mlp.c_proj.bias"]
        ref[("mlp_out", l + 1)] = m
        x = x + m
        ref[("resid", l + 1)] = x.copy()
    ref[("ln_f", L)] = ln(x, wd["ln_f.weight"], wd["ln_f.bias"])
    check("tokens are GPT-2's for the text", tok[0] == 464 and tok[1] == 3331, tok[:4])  # "The", " bank"
    for site in ("resid", "ln_f", "attn_out", "mlp_out"):
        layers = f["states/%s_layers" % site][...]
        st = f["states/" + site][...]
        for i, l in enumerate(layers):
            want = ref[(site, int(l))]
            # float32 through two layers of O(1) activations: 1e-4 absolute + relative
            err = np.max(np.abs(st[i] - want) / (1e-4 + 1e-4 * np.abs(want)))
            check("%s layer %d matches numpy (scaled error %.2g)" % (site, l, err), err <= 1, err)
    check("next_tokens shift tokens", np.array_equal(f["next_tokens"][:-1], tok[1:]) and f["next_tokens"][-1] == -1)
    check("no item rows for text", np.all(f["item"][...] == -1))
for other in ("b", "c"):
    with h5py.File(outs["a"], "r") as fa, h5py.File(outs[other], "r") as fb:
        same = all(np.array_equal(fa["states/" + s][...], fb["states/" + s][...])
                   for s in ("resid", "ln_f", "attn_out", "mlp_out"))
    check("states identical bit for bit (%s)" % ("second run" if other == "b" else "1 thread vs 2"), same)
done()
