"""An independent numpy reference for `shang lens`: on a tiny random model, the
residual streams stored by `shang extract` (checked against numpy's own forward
pass in test_gpt2_numpy.py) are read out through LN_f and the unembedding in
float64 here, and every trace value (entropy, KL, cross-entropy, top-1, rank)
and every summary table (layers, positions, punctuation) is recomputed from
them. Also: windows of 16 moving by 8 give the same rows as extraction (for
documents whose windows coincide); the
repeated-sequence probe's tables; identical tables for 1 and 2 threads."""
import os
import string
import subprocess

import h5py
import numpy as np

from tap import check, done

tmp = os.environ.get("SHANG_TEST_TMP", "/tmp")
shang = os.environ.get("SHANG", "build/shang")


def run(*args):
    r = subprocess.run([shang] + list(args), capture_output=True, text=True)
    return r.returncode, r.stderr


tok = os.path.join(tmp, "lens-tok.h5")
model = os.path.join(tmp, "lens-model.h5")
rc, err = run("bpe", "-q", "-V", "300", "-o", tok, "datasets/corpus/devil.train.txt.gz")
rc2, err2 = run("init", "-q", "-t", tok, "-L", "2", "-C", "32", "-H", "4", "-T", "64", "-o", model)
check("a tiny random model", rc == 0 and rc2 == 0, err + err2)
text = os.path.join(tmp, "lens-text.txt")
open(text, "w").write(
    "The bank of the river was steep, and the water rose. He cashed a check at the bank; the teller smiled.\n\n"
    "Short one.\n\n"
    "A third document, long enough to need several windows of sixteen tokens: it goes on, and on, "
    "with commas, full stops. And questions? Yes!\n")
states = os.path.join(tmp, "lens-states.h5")
rc, err = run("extract", "-q", "-m", model, "--ctx", "16", "--stride", "8", "-o", states, text)
check("extract with windows of 16 by 8", rc == 0, err)
outs = {}
for th in ("2", "1"):
    outs[th] = os.path.join(tmp, "lens-%s.h5" % th)
    rc, err = run("lens", "-q", "-m", model, "--ctx", "16", "--stride", "8", "--trace", "100", "--repeat", "6",
                  "--repeat-seqs", "5", "--bootstrap", "20", "--threads", th, "-o", outs[th], text)
    check("lens with %s threads" % th, rc == 0, err)


def table(f, name):
    g = f["tables/" + name]
    out = {}
    for c in g.attrs["columns"]:
        c = c.decode() if isinstance(c, bytes) else c
        v = g[c][...]
        out[c] = np.array([x.decode("utf-8", "replace") for x in v]) if v.dtype.kind in "OS" else v
    return out


w = h5py.File(model, "r")["weights"]
wte, lnw, lnb = (w[k][...].astype(np.float64) for k in ("wte", "lnf_w", "lnf_b"))
with h5py.File(states, "r") as s, h5py.File(outs["2"], "r") as f:
    keep = s["next_tokens"][...] >= 0
    H = s["states/resid"][...][:, keep, :].astype(np.float64)  # (L+1, N, C)
    nxt, cur, doc = s["next_tokens"][...][keep], s["tokens"][...][keep], s["doc"][...][keep]
    L1, N = H.shape[0], H.shape[1]
    # extraction moves a document's last window back to full length, the lens
    # tiles evenly: the two agree when (tokens + 1 - 16) is a multiple of 8
    lens_ok = all(n + 1 <= 16 or (n + 1 - 16) % 8 == 0 for n in np.bincount(s["doc"][...]))
    check("the texts' windows are the same for extraction and the lens", lens_ok, np.bincount(s["doc"][...]))
    tr = table(f, "trace")
    check("trace has a row per scored position and layer", len(tr["layer"]) == N * L1, (len(tr["layer"]), N, L1))
    check("the same positions as extraction", np.array_equal(tr["doc"][::L1], doc) and np.array_equal(tr["token"][::L1], cur)
          and np.array_equal(tr["next"][::L1], nxt))
    mu = H.mean(-1, keepdims=True)
    ln = (H - mu) / np.sqrt(((H - mu) ** 2).mean(-1, keepdims=True) + 1e-5) * lnw + lnb
    z = ln @ wte.T  # (L+1, N, V)
    lq = z - z.max(-1, keepdims=True)
    lq -= np.log(np.exp(lq).sum(-1, keepdims=True))
    q = np.exp(lq)
    ent = -(q * lq).sum(-1)
    kl = (q[-1] * (lq[-1] - lq)).sum(-1)
    ce = -np.take_along_axis(lq, nxt[None, :, None].repeat(L1, 0), -1)[..., 0]
    top1 = lq.argmax(-1)
    f1 = top1[-1]
    rank = (lq > np.take_along_axis(lq, f1[None, :, None].repeat(L1, 0), -1)).sum(-1)

    def per_layer(col):
        return tr[col].reshape(N, L1).T

    # float32 states and logits against float64: 1e-4 of O(1) values
    for name, want in (("entropy", ent), ("kl", kl), ("ce", ce)):
        err = np.max(np.abs(per_layer(name) - want) / (1e-4 + 1e-4 * np.abs(want)))
        check("trace %s equals numpy's (scaled error %.2g)" % (name, err), err <= 1, err)
    srt = np.sort(lq, -1)
    clear = srt[..., -1] - srt[..., -2] > 1e-3
    check("top-1 equals numpy's where there is no near-tie", np.array_equal(per_layer("top1")[clear], top1[clear]))
    gap = np.abs(lq - np.take_along_axis(lq, f1[None, :, None].repeat(L1, 0), -1))
    clear_r = (gap < 1e-4).sum(-1) == 1
    check("rank of the model's top-1 equals numpy's", np.array_equal(per_layer("rank")[clear_r], rank[clear_r]))
    check("the last layer is the model: KL 0, rank 0", np.all(per_layer("kl")[-1] == 0) and np.all(per_layer("rank")[-1] == 0))

    # the layers table: means over the scored positions
    lay = table(f, "layers")
    V = wte.shape[0]
    cnt = np.bincount(nxt, minlength=V).astype(float)
    logu = np.log((cnt + 0.5) / (N + 0.5 * V))
    pu = cnt[cnt > 0] / N
    T1 = per_layer("top1")
    want = {"entropy": ent.mean(1), "kl": kl.mean(1), "ce": ce.mean(1), "accuracy": (T1 == nxt).mean(1),
            "agree": (per_layer("rank") == 0).mean(1), "top10": (per_layer("rank") < 10).mean(1),
            "input": (T1 == cur).mean(1), "log_unigram": logu[T1].mean(1)}
    for k, v in want.items():
        check("layers: %s is the mean over positions" % k, np.allclose(lay[k], v, atol=2e-5, rtol=1e-4), (lay[k], v))
    check("layers: median rank", np.allclose(lay["median_rank"], np.median(per_layer("rank"), 1)))
    check("layers: unigram entropy", np.allclose(lay["unigram_entropy"], -(pu * np.log(pu)).sum()))
    # positions: the model's entropy and surprisal by position in the window
    pos = table(f, "positions")
    cp = tr["ctx_pos"][::L1]
    ok = all(abs(pos["entropy"][i] - ent[-1][cp == p].mean()) < 2e-5 and abs(pos["surprisal"][i] - ce[-1][cp == p].mean()) < 2e-5
             and pos["positions"][i] == (cp == p).sum() for i, p in enumerate(pos["ctx_pos"]))
    check("positions: means by position in the window", ok and sorted(set(cp)) == list(pos["ctx_pos"]))
    check("positions: first document tokens sit after <|endoftext|>, every later one has 8..15 tokens of context",
          cp.min() == 1 and cp.max() == 15)
    # punctuation: a token is punctuation when its text, trimmed, is ASCII punctuation
    pt = table(f, "punctuation")
    nt = tr["next_text"][::L1]
    is_p = np.array([len(t.strip()) > 0 and all(ch in string.punctuation for ch in t.strip()) for t in nt])
    check("punctuation flags match Python's string.punctuation", np.array_equal(tr["next_punct"][::L1] == 1, is_p))
    e_p, e_o = ent[-1][is_p].mean(), ent[-1][~is_p].mean()
    check("punctuation: class means and their difference",
          list(pt["next"]) == ["other", "punctuation", "difference"] and
          np.allclose(pt["entropy"], [e_o, e_p, e_p - e_o], atol=2e-5) and
          np.allclose(pt["surprisal"], [ce[-1][~is_p].mean(), ce[-1][is_p].mean(), ce[-1][is_p].mean() - ce[-1][~is_p].mean()], atol=2e-5))
    # the repeated-sequence probe: 5 sequences of <|endoftext|> + 6 + 6 tokens
    rp, rpp = table(f, "repeat"), table(f, "repeat_positions")
    check("repeat: a row per layer, change = second - first",
          len(rp["layer"]) == L1 and np.allclose(rp["ce_change"], rp["ce_second"] - rp["ce_first"], atol=1e-9))
    check("repeat: positions 0..11 scored, 5 sequences each",
          list(rpp["ctx_pos"]) == list(range(12)) and np.all(rpp["positions"] == 5))
    check("repeat: the uniform baseline is ln V", np.allclose(rp["uniform_ce"], np.log(V)))
    check("provenance and attributes", f.attrs["shang_format"] in (b"shang.lens", "shang.lens") and
          int(f.attrs["positions"]) == N and "provenance" in f)
with h5py.File(outs["1"], "r") as a, h5py.File(outs["2"], "r") as b:
    same = all(np.array_equal(a["tables/%s/%s" % (t, c)][...], b["tables/%s/%s" % (t, c)][...])
               for t in a["tables"] for c in a["tables/" + t])
check("every table identical for 1 and 2 threads", same)
done()
