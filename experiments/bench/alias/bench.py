"""bench/alias: `shang alias` on N rows x L layers x k clusters, against the same
point statistics from scikit-learn 1.2.1 (homogeneity/completeness/V, MI, ARI
per layer) in the same run. Usage: bench.py SHANG TOKENS.h5 RESULTS_DIR [--quick]

Rows are real: the first N tokens of the training split (tokens, next tokens,
documents); the "clusters" of layer l are a deterministic many-to-many function
of the token and its position (each token split over several clusters, each
cluster shared by several tokens), so the tables have the sizes of a real run."""
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np
from sklearn import metrics

shang, tokens_path, res = sys.argv[1:4]
quick = "--quick" in sys.argv
N, L, K = (100000, 3, 256) if quick else (1000000, 7, 1024)
os.makedirs(res, exist_ok=True)
tf = h5py.File(tokens_path)
tok = tf["tokens"][:N + 1].astype(np.int32)
doc = tf["doc"][:N].astype(np.int32)
x, y = tok[:N], tok[1:N + 1].copy()
y[doc != np.append(doc[1:], -1)] = -1
pos = np.arange(N)
states, clusters = os.path.join(res, "states.h5"), os.path.join(res, "clusters.h5")
with h5py.File(states, "w") as f:
    f.attrs["shang_format"] = "shang.states"
    f.attrs["shang_format_version"] = np.int64(1)
    f["tokens"], f["next_tokens"], f["doc"] = x, y, doc
    f["pos"] = (pos - np.searchsorted(doc, doc)).astype(np.int32)
    f["item"] = np.full(N, -1, np.int32)
    f["states/resid"] = np.zeros((1, N, 1), np.float32)
    f["states/resid_layers"] = np.zeros(1, np.int32)
rng = np.random.default_rng(7)
labels = np.empty((L, N), np.int32)
for l in range(L):
    perm = rng.permutation(max(K, int(x.max()) + 1))
    labels[l] = (perm[x] + (pos * (l + 1)) % (l + 2)) % K
with h5py.File(clusters, "w") as f:
    f.attrs["shang_format"] = "shang.clusters"
    f.attrs["shang_format_version"] = np.int64(1)
    f.attrs["k"] = np.int64(K)
    f["layers"] = np.arange(L, dtype=np.int32)
    f["rows"] = np.arange(N, dtype=np.int64)
    f["labels"] = labels


def wall(cmd):
    """seconds and peak resident memory (MiB) of one run (os.wait4: that child's own rusage)"""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if status != 0:
        raise SystemExit("%s failed (%d)" % (" ".join(cmd), status))
    return time.perf_counter() - t0, ru.ru_maxrss / 1024


rows = []
out = os.path.join(res, "alias.h5")
t_point, m_point = wall([shang, "alias", "-q", "-s", states, "-c", clusters, "--no-ami", "--bootstrap", "0", "-o", out])
t0 = time.perf_counter()
for l in range(L):
    metrics.homogeneity_completeness_v_measure(x, labels[l])
    metrics.mutual_info_score(x, labels[l])
    metrics.adjusted_rand_score(x, labels[l])
    m = y >= 0
    metrics.mutual_info_score(labels[l][m], y[m])
t_sk = time.perf_counter() - t0
rows.append(dict(task="point statistics, no AMI, no bootstrap", N=N, layers=L, k=K, shang_s=t_point,
                 shang_mib=m_point, sklearn_s=t_sk, ratio=t_sk / t_point,
                 note="shang also computes H(Y|X), H(Y|K), H(Y|X,K) by 4 estimators, add-alpha and tuned held-out CE (9 chains), exchange classes and baselines"))
t_full, m_full = wall([shang, "alias", "-q", "-s", states, "-c", clusters, "--bootstrap", "100", "-o", out])
rows.append(dict(task="everything: AMI, 100 bootstrap replicates", N=N, layers=L, k=K, shang_s=t_full, shang_mib=m_full))
for r in rows:
    print("  ".join("%s=%s" % (a, ("%.4g" % b) if isinstance(b, float) else b) for a, b in r.items()))
json.dump(rows, open(os.path.join(res, "summary.json"), "w"), indent=1)
for p in (states, clusters, out):
    os.remove(p)
