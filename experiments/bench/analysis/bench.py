"""bench/analysis: shang's PCA and k-means against scikit-learn 1.2 (Debian), same
run, same data, 2 threads. Usage: bench.py SHANG BUILD_DIR RESULTS_DIR [--quick] [--pca-only]

Data: float32 rows from a mixture of 64 anisotropic Gaussians (hidden-state-like:
clustered, a few dominant directions), written as a shang.states file for the
CLI and kept in memory for scikit-learn (whose times exclude loading; shang's
include reading HDF5)."""
import ctypes as C
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import PCA

shang, build, res = sys.argv[1:4]
quick = "--quick" in sys.argv
pca_only = "--pca-only" in sys.argv  # the PCA rows alone (about a minute)
os.makedirs(res, exist_ok=True)
rng = np.random.default_rng(2026)


def data(n, d):
    centers = rng.normal(0, 4, (64, d))
    scales = rng.gamma(2, 0.5, (64, d))
    lab = rng.integers(0, 64, n)
    x = centers[lab] + rng.normal(size=(n, d)) * scales[lab]
    x[:, :3] *= 8  # rogue dimensions
    return x.astype(np.float32)


def states_file(path, x):
    with h5py.File(path, "w") as f:
        f.attrs["shang_format"] = "shang.states"
        f.attrs["shang_format_version"] = np.int64(1)
        n = len(x)
        for k in ("tokens", "next_tokens", "doc", "item"):
            f[k] = np.zeros(n, np.int32)
        f["pos"] = np.arange(n, dtype=np.int32) + 1
        f["states/resid"] = x[None]
        f["states/resid_layers"] = np.zeros(1, np.int32)


def wall(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t0


rows = []
shapes = [(100000, 256, 1024), (20000, 768, 256)] if not quick else [(20000, 128, 64)]
# RTLD_DEEPBIND: libshang resolves BLAS from its own OpenMP OpenBLAS, not from the
# pthread OpenBLAS numpy loaded first (the two fight over the 2 cores)
lib = C.CDLL(os.path.join(build, "libshang.so"), mode=os.RTLD_LOCAL | os.RTLD_DEEPBIND)


class KmOpts(C.Structure):
    _fields_ = [("K", C.c_size_t), ("n_init", C.c_int), ("max_iter", C.c_int), ("tol", C.c_double),
                ("seed", C.c_uint64), ("init", C.c_void_p), ("algorithm", C.c_int), ("batch", C.c_size_t)]


class Km(C.Structure):
    _fields_ = [("K", C.c_size_t), ("D", C.c_size_t), ("N", C.c_size_t), ("centers", C.POINTER(C.c_double)),
                ("labels", C.POINTER(C.c_int32)), ("inertia", C.c_double), ("iterations", C.c_int),
                ("history", C.POINTER(C.c_double))]


lib.shang_kmeans_fit.argtypes = [C.c_void_p, C.c_size_t, C.c_size_t, C.POINTER(KmOpts), C.POINTER(C.c_void_p)]
lib.shang_kmeans_free.argtypes = [C.c_void_p]
lib.shang_pca_acc_new.argtypes = [C.c_size_t, C.POINTER(C.c_void_p)]
lib.shang_pca_acc_add.argtypes = [C.c_void_p, C.c_void_p, C.c_size_t, C.c_size_t]
lib.shang_pca_fit.argtypes = [C.c_void_p, C.c_size_t, C.c_int, C.POINTER(C.c_void_p)]
lib.shang_pca_acc_free.argtypes = [C.c_void_p]
lib.shang_pca_free.argtypes = [C.c_void_p]


def lib_pca(x, k):
    """shang's PCA in memory through libshang (like scikit-learn's timing: no file)"""
    t0 = time.perf_counter()
    acc, pp = C.c_void_p(), C.c_void_p()
    assert lib.shang_pca_acc_new(x.shape[1], C.byref(acc)) == 0
    assert lib.shang_pca_acc_add(acc, x.ctypes.data_as(C.c_void_p), x.shape[0], x.shape[1]) == 0
    assert lib.shang_pca_fit(acc, k, 0, C.byref(pp)) == 0
    t = time.perf_counter() - t0
    lib.shang_pca_free(pp)
    lib.shang_pca_acc_free(acc)
    return t


def lloyd64(x, init, iters):
    """Lloyd's iterations in float64 (numpy): the exact reference both implementations
    approximate; empty clusters take the farthest rows, as shang does"""
    x64, c = x.astype(np.float64), init.astype(np.float64)
    x2 = (x64 ** 2).sum(1)
    for it in range(iters + 1):
        lab = np.empty(len(x), np.int64)
        dist = np.empty(len(x))
        for i in range(0, len(x), 4096):
            d = x2[i:i + 4096, None] - 2 * x64[i:i + 4096] @ c.T + (c ** 2).sum(1)[None]
            lab[i:i + 4096] = d.argmin(1)
            dist[i:i + 4096] = d[np.arange(len(d)), lab[i:i + 4096]]
        if it == iters:
            break
        cnt = np.bincount(lab, minlength=len(c))
        new = np.zeros_like(c)
        np.add.at(new, lab, x64)
        far = iter(np.argsort(-dist, kind="stable"))
        for j in range(len(c)):
            new[j] = new[j] / cnt[j] if cnt[j] else x64[next(far)]
        c = new.astype(np.float32).astype(np.float64)
    return lab, float(((x64 - c[lab]) ** 2).sum())



def inertia64(x, centers, labels):
    """the inertia in double of a partition (scikit-learn's own sums float32)"""
    x64, c64 = x.astype(np.float64), centers.astype(np.float64)
    return float(sum(((x64[i:i + 8192] - c64[labels[i:i + 8192]]) ** 2).sum() for i in range(0, len(x), 8192)))


def agreement(a, b):
    """share of rows whose clusters match under the best one-to-one relabelling by majority"""
    k = max(a.max(), b.max()) + 1
    m = np.zeros((k, k), np.int64)
    np.add.at(m, (a, b), 1)
    return float(m.max(1).sum() / len(a))

for n, d, k in shapes:
    x = data(n, d)
    path = os.path.join(res, "states-%dx%d.h5" % (n, d))
    states_file(path, x)
    # PCA, 50 components
    t_sh = wall([shang, "pca", "-q", "-i", path, "-k", "50", "-o", os.path.join(res, "pca.h5")])
    t_lib = min(lib_pca(x, 50) for _ in range(3))
    ev = h5py.File(os.path.join(res, "pca.h5"))["explained_variance"][0]
    t0 = time.perf_counter()
    full = PCA(50, svd_solver="full").fit(x)
    t_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    PCA(50, svd_solver="randomized", random_state=0).fit(x)
    t_rand = time.perf_counter() - t0
    # accuracy against the full solver in double (scikit-learn keeps float32 input in float32)
    full64 = PCA(50, svd_solver="full").fit(x.astype(np.float64))
    rel = float(np.max(np.abs(ev / full64.explained_variance_ - 1)))
    rows.append(dict(task="PCA 50 comp", shape="%dx%d" % (n, d), shang_cli_s=t_sh, shang_lib_s=t_lib,
                     sklearn_full_s=t_full, sklearn_randomized_s=t_rand, ratio_full_cli=t_full / t_sh,
                     ratio_full_lib=t_full / t_lib, ratio_randomized_lib=t_rand / t_lib, max_rel_diff_variance=rel))
    if pca_only:
        os.remove(path)
        continue
    # whole k-means fit (seeding + iterations), same tolerance; seeds 1..3 where
    # scikit-learn takes seconds (one seed at k=1024: it takes a minute or two)
    for seed in (1,) if k >= 1024 and not quick else (1, 2, 3):
        t_sh = wall([shang, "cluster", "-q", "-i", path, "-k", str(k), "--n-init", "1", "--max-iter", "100",
                     "--tol", "1e-4", "--seed", str(seed), "-o", os.path.join(res, "cl.h5")])
        inert_sh = float(h5py.File(os.path.join(res, "cl.h5"))["inertia"][0])
        t0 = time.perf_counter()
        sk = KMeans(k, init="k-means++", n_init=1, algorithm="lloyd", tol=1e-4, max_iter=100, random_state=seed).fit(x)
        t_sk = time.perf_counter() - t0
        in_sk = inertia64(x, sk.cluster_centers_, sk.labels_)
        rows.append(dict(task="k-means fit k=%d (yinyang) seed %d" % (k, seed), shape="%dx%d" % (n, d), shang_s=t_sh,
                         sklearn_s=t_sk, ratio=t_sk / t_sh, inertia_shang=inert_sh, inertia_sklearn=in_sk,
                         inertia_rel=inert_sh / in_sk - 1, sklearn_iterations=int(sk.n_iter_)))
    # mini-batch k-means, batch 1024, against scikit-learn's MiniBatchKMeans
    t_sh = wall([shang, "cluster", "-q", "-i", path, "-k", str(k), "--algorithm", "minibatch", "--batch", "1024",
                 "--max-iter", "100", "--seed", "1", "-o", os.path.join(res, "cl.h5")])
    inert_mb = float(h5py.File(os.path.join(res, "cl.h5"))["inertia"][0])
    t0 = time.perf_counter()
    mb = MiniBatchKMeans(k, batch_size=1024, n_init=1, max_iter=100, random_state=1).fit(x)
    t_mb = time.perf_counter() - t0
    rows.append(dict(task="mini-batch k-means k=%d, batch 1024" % k, shape="%dx%d" % (n, d), shang_s=t_sh,
                     sklearn_s=t_mb, ratio=t_mb / t_sh, inertia_shang=inert_mb,
                     inertia_sklearn=inertia64(x, mb.cluster_centers_, mb.labels_),
                     inertia_vs_full_fit=inert_mb / inert_sh - 1))
    # iterations alone from the same centroids, the same number of iterations
    init = x[rng.choice(n, k, replace=False)].copy()
    iters = 20
    t0 = time.perf_counter()
    sk = KMeans(k, init=init, n_init=1, algorithm="lloyd", tol=0, max_iter=iters).fit(x)
    t_sk = time.perf_counter() - t0
    in_sk = inertia64(x, sk.cluster_centers_, sk.labels_)
    ref_lab, in_ref = lloyd64(x, init, iters)
    rows.append(dict(task="scikit-learn's %d iterations against float64 Lloyd" % iters, shape="%dx%d k=%d" % (n, d, k),
                     inertia_rel=in_sk / in_ref - 1, same_rows=agreement(sk.labels_, ref_lab)))
    for alg in (1, 0):
        o = KmOpts(k, 1, iters, 0.0, 1, init.ctypes.data_as(C.c_void_p), alg, 0)
        kp = C.c_void_p()
        t0 = time.perf_counter()
        assert lib.shang_kmeans_fit(x.ctypes.data_as(C.c_void_p), n, d, C.byref(o), C.byref(kp)) == 0
        t_sh = time.perf_counter() - t0
        km = C.cast(kp, C.POINTER(Km)).contents
        lab = np.ctypeslib.as_array(km.labels, shape=(n,)).copy()
        rows.append(dict(task="k-means %d iterations from the same centroids (%s)" % (iters, ("lloyd", "yinyang")[alg]),
                         shape="%dx%d k=%d" % (n, d, k), shang_s=t_sh, sklearn_s=t_sk, ratio=t_sk / t_sh,
                         inertia_rel=km.inertia / in_sk - 1, same_rows=agreement(lab, sk.labels_),
                         inertia_rel_float64=km.inertia / in_ref - 1, same_rows_float64=agreement(lab, ref_lab),
                         iterations=(km.iterations, int(sk.n_iter_))))
        lib.shang_kmeans_free(kp)
    os.remove(path)
json.dump(rows, open(os.path.join(res, "summary.json"), "w"), indent=1)
for r in rows:
    print("  ".join("%s=%s" % (a, ("%.4g" % b) if isinstance(b, float) else b) for a, b in r.items()))
