"""scikit-learn 1.2 (Debian python3-sklearn) as an independent oracle for the
analysis core, called through libshang.so with ctypes: clustering metrics on
random labelings, PCA explained variance, and k-means inertia from the same
initial centroids (Lloyd, as sklearn's algorithm="lloyd")."""
import ctypes as C
import os
import sys

import numpy as np
from sklearn import metrics
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

from tap import check, done

build = os.environ.get("BUILD", "build")
lib = C.CDLL(os.path.join(build, "libshang.so"))


class Scores(C.Structure):
    _fields_ = [(n, C.c_double) for n in (
        "h_a", "h_b", "h_ab", "h_a_given_b", "h_b_given_a", "mi", "vi", "homogeneity", "completeness",
        "v_measure", "nmi_arithmetic", "nmi_geometric", "nmi_min", "nmi_max", "ari", "ami", "emi",
        "ami_geometric", "ami_min", "ami_max")]


def shang_scores(a, b):
    a = np.ascontiguousarray(a, np.int32)
    b = np.ascontiguousarray(b, np.int32)
    t = C.c_void_p()
    assert lib.shang_contingency_new(a.ctypes.data_as(C.c_void_p), b.ctypes.data_as(C.c_void_p),
                                     C.c_size_t(len(a)), C.byref(t)) == 0
    s = Scores()
    assert lib.shang_cluster_scores_of(t, 1, C.byref(s)) == 0
    lib.shang_contingency_free(t)
    return s


def sklearn_scores(a, b):
    r = {"homogeneity": metrics.homogeneity_score(a, b), "completeness": metrics.completeness_score(a, b),
         "v_measure": metrics.v_measure_score(a, b), "ari": metrics.adjusted_rand_score(a, b),
         "mi": metrics.mutual_info_score(a, b)}
    for m in ("arithmetic", "geometric", "min", "max"):
        r["nmi_" + m] = metrics.normalized_mutual_info_score(a, b, average_method=m)
        r["ami" if m == "arithmetic" else "ami_" + m] = metrics.adjusted_mutual_info_score(a, b, average_method=m)
    return r


def set_partitions(n):
    """every labeling of n items up to renaming (restricted growth strings)"""
    if n == 0:
        yield []
        return
    for p in set_partitions(n - 1):
        for v in range(max(p, default=-1) + 2):
            yield p + [v]


rng = np.random.default_rng(11)
worst = {}
for trial in range(20):
    n = int(rng.integers(20, 400))
    a = rng.integers(0, int(rng.integers(2, 15)), n) * 7 - 3   # arbitrary label values
    b = rng.integers(0, int(rng.integers(2, 25)), n)
    if trial % 4 == 0:
        b = np.where(rng.random(n) < 0.7, a, b)  # correlated
    s = shang_scores(a, b)
    for k, v in sklearn_scores(a, b).items():
        worst[k] = max(worst.get(k, 0), abs(getattr(s, k) - v))
for k, v in sorted(worst.items()):
    # both in double; AMI's expected MI sums many terms: 1e-9
    check("%s agrees with scikit-learn on 20 random labelings (max |diff| %.1e)" % (k, v), v < 1e-9, v)

# the degenerate cases, where conventions decide: every pair of labelings of
# N = 1 .. 4 items (N = 1 and 2 included: ARI's 0/0, AMI's vanishing denominator).
# One exception, by design: where AMI's denominator normaliser - E[MI] is 0 in
# exact arithmetic (one side puts every item apart, so every permutation has the
# same MI and MI = E[MI] = the normaliser), scikit-learn divides the rounding
# error by machine epsilon and returns noise (seen: 1, 0.5, 0.667, -0.5); shang
# returns 0 (agreement no better than chance). Those cases are checked to be 0/0.
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information
import warnings
warnings.simplefilter("ignore")  # scikit-learn warns about single-cluster labelings


def zero_over_zero(a, b, method):
    c = metrics.cluster.contingency_matrix(a, b)
    emi = expected_mutual_information(c, len(a))
    ha, hb = metrics.cluster.entropy(a), metrics.cluster.entropy(b)
    norm = {"arithmetic": (ha + hb) / 2, "geometric": np.sqrt(ha * hb), "min": min(ha, hb), "max": max(ha, hb)}[method]
    return abs(norm - emi) < 1e-12 and abs(metrics.mutual_info_score(a, b) - emi) < 1e-12


for N in (1, 2, 3, 4):
    bad, zz = [], 0
    parts = list(set_partitions(N))
    for a in parts:
        for b in parts:
            s = shang_scores(np.array(a), np.array(b))
            for k, v in sklearn_scores(a, b).items():
                if abs(getattr(s, k) - v) <= 1e-9:
                    continue
                if k.startswith("ami") and zero_over_zero(a, b, k[4:] or "arithmetic") and getattr(s, k) == 0:
                    zz += 1
                    continue
                bad.append((a, b, k, getattr(s, k), v))
    check("every score equals scikit-learn's on all %d pairs of labelings of %d item%s (%d AMI 0/0 cases: 0)"
          % (len(parts) ** 2, N, "s" if N > 1 else "", zz), not bad, bad[:5])

# PCA explained variance
lib.shang_pca_acc_new.argtypes = [C.c_size_t, C.POINTER(C.c_void_p)]
lib.shang_pca_acc_add.argtypes = [C.c_void_p, C.c_void_p, C.c_size_t, C.c_size_t]
lib.shang_pca_fit.argtypes = [C.c_void_p, C.c_size_t, C.c_int, C.POINTER(C.c_void_p)]


class Pca(C.Structure):
    _fields_ = [("D", C.c_size_t), ("K", C.c_size_t), ("mean", C.POINTER(C.c_double)),
                ("scale", C.POINTER(C.c_double)), ("components", C.POINTER(C.c_double)),
                ("variance", C.POINTER(C.c_double)), ("total_variance", C.c_double), ("n", C.c_double)]


# plain, and with an offset of 1000 and two rogue dimensions 300 times the rest
# over a decaying spectrum (the blocks' float SYRK must keep 1e-6 relative)
for name, n, d, k in (("plain", 3000, 20, 8), ("rogue", 9000, 96, 40)):
    x = rng.normal(size=(n, d)) @ (rng.normal(size=(d, d)) * (np.exp(-np.arange(d) / 15) if name == "rogue" else 1))
    if name == "rogue":
        x[:, :2] *= 300
        x += 1000
    x = x.astype(np.float32)
    acc = C.c_void_p()
    assert lib.shang_pca_acc_new(d, C.byref(acc)) == 0
    assert lib.shang_pca_acc_add(acc, x.ctypes.data_as(C.c_void_p), n, d) == 0
    pp = C.c_void_p()
    assert lib.shang_pca_fit(acc, k, 0, C.byref(pp)) == 0
    p = C.cast(pp, C.POINTER(Pca)).contents
    mine = np.array([p.variance[j] for j in range(k)])
    sk = PCA(n_components=k, svd_solver="full").fit(x.astype(np.float64))
    check("PCA (%s) explained variance agrees with scikit-learn (rel %.1e, spread %.0e)"
          % (name, np.max(np.abs(mine / sk.explained_variance_ - 1)), sk.explained_variance_[0] / sk.explained_variance_[-1]),
          np.allclose(mine, sk.explained_variance_, rtol=1e-6))
    comp = np.array([[p.components[j * d + e] for e in range(d)] for j in range(k)])
    if name == "plain":
        check("PCA components agree up to sign", np.allclose(np.abs(np.sum(comp * sk.components_, 1)), 1, atol=1e-6))


def shang_pca_variance(x, k):
    x = np.ascontiguousarray(x, np.float32)
    acc = C.c_void_p()
    assert lib.shang_pca_acc_new(x.shape[1], C.byref(acc)) == 0
    assert lib.shang_pca_acc_add(acc, x.ctypes.data_as(C.c_void_p), x.shape[0], x.shape[1]) == 0
    pp = C.c_void_p()
    assert lib.shang_pca_fit(acc, k, 0, C.byref(pp)) == 0
    p = C.cast(pp, C.POINTER(Pca)).contents
    return np.array([p.variance[j] for j in range(k)])


# ill-conditioned inputs against numpy's float64 eigvalsh of the same float32 data:
# within 1e-6 relative plus 1e-9 of the largest eigenvalue. Nearly collinear (the
# float32 scatter gave 3.34e-07 for 5.22e-07), rank-deficient (100 rows of 200
# features: 101 zero eigenvalues, which float32 gave as 5.6e-07), and an offset
# of 1e4 (centring in double before the products)
t = rng.normal(size=1000)
collinear = np.stack([t, t + 1e-3 * rng.normal(size=1000)], 1)
lowrank = rng.normal(size=(100, 30)) @ rng.normal(size=(30, 200))
offset = rng.normal(size=(2000, 12)) * np.exp(-np.arange(12)) + 1e4
for name, x in (("nearly collinear 1000 x 2", collinear), ("rank 30, 100 x 200", lowrank),
                ("offset 1e4, spread 6e4", offset)):
    x = x.astype(np.float32)
    ref = np.linalg.eigvalsh(np.cov(x.astype(np.float64), rowvar=False))[::-1]
    ref = np.maximum(ref, 0)
    mine = shang_pca_variance(x, x.shape[1])
    err = np.abs(mine - ref) - (1e-6 * np.abs(ref) + 1e-9 * ref[0])
    check("PCA (%s) eigenvalues within 1e-6 rel + 1e-9 of the largest of numpy float64 (smallest %.3g vs %.3g)"
          % (name, mine[-1], ref[-1]), np.all(err <= 0), (mine, ref))

# k-means inertia from the same initial centroids
class Km(C.Structure):
    _fields_ = [("K", C.c_size_t), ("D", C.c_size_t), ("N", C.c_size_t), ("centers", C.POINTER(C.c_double)),
                ("labels", C.POINTER(C.c_int32)), ("inertia", C.c_double), ("iterations", C.c_int),
                ("history", C.POINTER(C.c_double))]


class KmOpts(C.Structure):
    _fields_ = [("K", C.c_size_t), ("n_init", C.c_int), ("max_iter", C.c_int), ("tol", C.c_double),
                ("seed", C.c_uint64), ("init", C.c_void_p), ("algorithm", C.c_int), ("batch", C.c_size_t)]


blobs = np.concatenate([rng.normal(loc=rng.normal(0, 6, 10), size=(400, 10)) for _ in range(6)]).astype(np.float32)
init = blobs[rng.choice(len(blobs), 6, replace=False)].copy()
lib.shang_kmeans_fit.argtypes = [C.c_void_p, C.c_size_t, C.c_size_t, C.POINTER(KmOpts), C.POINTER(C.c_void_p)]
lib.shang_kmeans_free.argtypes = [C.c_void_p]
skm = KMeans(n_clusters=6, init=init.astype(np.float64), n_init=1, algorithm="lloyd", tol=0, max_iter=300).fit(blobs.astype(np.float64))
for alg, name in ((0, "Lloyd"), (1, "Yinyang")):
    opts = KmOpts(6, 1, 300, 0.0, 1, init.ctypes.data_as(C.c_void_p), alg, 0)
    kp = C.c_void_p()
    assert lib.shang_kmeans_fit(blobs.ctypes.data_as(C.c_void_p), len(blobs), 10, C.byref(opts), C.byref(kp)) == 0
    km = C.cast(kp, C.POINTER(Km)).contents
    check("k-means (%s) inertia from the same centroids agrees with scikit-learn (%.6g vs %.6g)"
          % (name, km.inertia, skm.inertia_), abs(km.inertia / skm.inertia_ - 1) < 1e-9)
    labels = np.array([km.labels[i] for i in range(len(blobs))])
    check("k-means (%s) partition equals scikit-learn's" % name, metrics.adjusted_rand_score(labels, skm.labels_) == 1.0)
    lib.shang_kmeans_free(kp)
done()
