# CLI test of shang spectrum on a tiny random model: singular values and their
# summaries against numpy's SVD; a random model sits near its random twin.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
PY=/usr/bin/python3

$S bpe -q -V 300 -o "$T/ptok.h5" datasets/corpus/devil.train.txt.gz
$S init -q -t "$T/ptok.h5" -L 2 -C 32 -H 4 -T 64 -o "$T/pmodel.h5"
check "spectrum --help" 0 $S spectrum --help
check "spectrum without a model" 2 $S spectrum -o "$T/x.h5"
check "spectrum of a missing model exits 1" 1 $S spectrum -q -m "$T/none.h5" -o "$T/x.h5"
check "spectrum" 0 $S spectrum -m "$T/pmodel.h5" -o "$T/spec.h5"
contains "spectrum prints the matrices" "$err" "h1.fcproj_w"
check "export the matrices table" 0 $S export --no-header "$T/spec.h5" matrices
$PY - "$out" "$T" > "$T/spec.out" 2>&1 <<'PYEOF'
import sys, h5py, numpy as np
t = np.genfromtxt(sys.argv[1], delimiter="\t", names=True, dtype=None, encoding="utf-8")
w = h5py.File(sys.argv[2] + "/pmodel.h5")["weights"]
mats = {"wte": w["wte"][...], "wpe": w["wpe"][...]}
for l in range(2):
    for k in ("qkv_w", "attproj_w", "fc_w", "fcproj_w"):
        mats["h%d.%s" % (l, k)] = w[k][l]
bad = []
for r in t:
    s = np.linalg.svd(mats[r["matrix"]].astype(np.float64), compute_uv=False)
    p, q = s / s.sum(), s ** 2 / (s ** 2).sum()
    er, me, sr = np.exp(-(p * np.log(p)).sum()), -(q * np.log(q)).sum() / np.log(len(s)), (s ** 2).sum() / s[0] ** 2
    if abs(r["effective_rank"] - er) > 1e-6 * er or abs(r["matrix_entropy"] - me) > 1e-6 or abs(r["stable_rank"] - sr) > 1e-6 * sr:
        bad.append(r["matrix"])
    if r["matrix"] != "wpe" and abs(r["effective_rank"] / r["random_effective_rank"] - 1) > 0.1:
        bad.append(r["matrix"] + " far from random")
print("spectrum ok" if not bad and len(t) == 10 else "wrong: %s" % bad)
PYEOF
contains "effective rank, matrix entropy, stable rank equal numpy's SVD; a random model is near random" "$T/spec.out" "spectrum ok"
echo "1..$n"
