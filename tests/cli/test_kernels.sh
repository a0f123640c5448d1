# Results under every OpenBLAS kernel this CPU runs (tests/kernels): the same bits
# for 1 and 2 threads on each kernel, whatever OPENBLAS_CORETYPE the suite itself
# runs under, and agreement across kernels to the tolerance the README states
# (states within 1e-5 of each row's largest magnitude; measured on the bundled
# model: 1.4e-6). Each pipeline step that multiplies matrices is covered: extract
# (the Transformer), pca (the double SYRK, LAPACK), cluster (distances by sgemm).
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
PY=/usr/bin/python3

$S bpe -q -V 400 -o "$T/ktok.h5" datasets/corpus/devil.train.txt.gz
$S init -q -t "$T/ktok.h5" -L 2 -C 64 -H 4 -T 64 --seed 5 -o "$T/km.h5"
kernels=$(tests/kernels)
[ -n "$kernels" ] || kernels=none
for k in $kernels; do
    for th in 1 2; do
        o="$T/k-$k-$th"
        if [ "$k" = none ]; then e="env -u OPENBLAS_CORETYPE"; else e="env OPENBLAS_CORETYPE=$k"; fi
        check "extract under $k, $th threads" 0 $e $S extract -q -m "$T/km.h5" --ctx 64 --threads $th -o "$o.states.h5" datasets/corpus/devil.valid.txt.gz
        check "pca under $k, $th threads" 0 $e OMP_NUM_THREADS=$th $S pca -q -k 16 -i "$o.states.h5" -o "$o.pca.h5"
        check "cluster under $k, $th threads" 0 $e $S cluster -q -k 24 --pca "$o.pca.h5" --threads $th -i "$o.states.h5" -o "$o.cl.h5"
    done
done
$PY - "$T" $kernels > "$T/k.out" <<'PY'
import sys, h5py, numpy as np
T, kernels = sys.argv[1], sys.argv[2:]
def load(k, th):
    p = "%s/k-%s-%d" % (T, k, th)
    s = h5py.File(p + ".states.h5", "r")["states/resid"][...]
    pca = h5py.File(p + ".pca.h5", "r")
    cl = h5py.File(p + ".cl.h5", "r")
    return s, pca, cl
def datasets(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o[...]) if isinstance(o, h5py.Dataset) and not n.startswith("provenance") else None)
    return out
lines = []
ref = None
for k in kernels:
    s1, p1, c1 = load(k, 1)
    s2, p2, c2 = load(k, 2)
    d1, d2 = {**datasets(p1), **{"cl/" + n: v for n, v in datasets(c1).items()}}, {**datasets(p2), **{"cl/" + n: v for n, v in datasets(c2).items()}}
    same = np.array_equal(s1, s2) and d1.keys() == d2.keys() and all(np.array_equal(d1[n], d2[n]) for n in d1)
    lines.append("%s threads %s" % (k, "identical" if same else "DIFFER"))
    if ref is None:
        ref = (k, s1)
    else:
        d = np.abs(s1.astype(np.float64) - ref[1])
        rel = (d / np.maximum(np.abs(ref[1]).max(axis=-1, keepdims=True), 1e-30)).max()
        lines.append("%s vs %s states %s %.3g" % (k, ref[0], "close" if rel <= 1e-5 else "FAR", rel))
print("\n".join(lines))
PY
for k in $kernels; do
    contains "1 and 2 threads give the same bits under $k (states, PCA, clusters)" "$T/k.out" "$k threads identical"
done
set -- $kernels
first=$1
shift
for k in "$@"; do
    contains "$k's states agree with $first's to 1e-5 of the row maximum" "$T/k.out" "$k vs $first states close"
done
echo "1..$n"
