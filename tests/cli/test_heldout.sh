# Fitting on training documents only: shang pca and shang cluster with --heldout
# leave out the documents shang alias holds out with the same --seed (one split
# for every fitted step), held-out rows are assigned to the nearest trained
# centre, and shang alias scores exactly those rows. Oracles: numpy means and
# nearest centres, and the add-alpha unigram cross-entropy recomputed from the
# recorded split.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
PY=/usr/bin/python3

$S bpe -q -V 300 -o "$T/htok.h5" datasets/corpus/devil.train.txt.gz
$S init -q -t "$T/htok.h5" -L 2 -C 32 -H 4 -T 64 -o "$T/hmodel.h5"
check "extract" 0 $S extract -q -m "$T/hmodel.h5" --ctx 32 --max-tokens 6000 -o "$T/hst.h5" datasets/corpus/devil.valid.txt.gz
check "pca --heldout" 0 $S pca -q -i "$T/hst.h5" -k 8 --heldout 0.25 --seed 7 -o "$T/hpca.h5"
check "pca fitted on every row" 0 $S pca -q -i "$T/hst.h5" -k 8 -o "$T/hpca_all.h5"
check "cluster --heldout, raw states" 0 $S cluster -q -i "$T/hst.h5" -k 10 --heldout 0.25 --seed 7 -o "$T/hcl.h5"
check "cluster --heldout on the PCA of the same split" 0 \
    $S cluster -q -i "$T/hst.h5" --pca "$T/hpca.h5" -k 10 --heldout 0.25 --seed 7 -o "$T/hclp.h5"
check "cluster refuses a PCA fitted on every row" 1 \
    $S cluster -q -i "$T/hst.h5" --pca "$T/hpca_all.h5" -k 10 --heldout 0.25 --seed 7 -o "$T/hbad.h5"
contains "the mismatch is named" "$err" "one split for every fitted step"
check "cluster refuses a PCA of another seed" 1 \
    $S cluster -q -i "$T/hst.h5" --pca "$T/hpca.h5" -k 10 --heldout 0.25 --seed 8 -o "$T/hbad.h5"
if [ -e "$T/hbad.h5" ]; then notok "a refused run leaves no file"; else ok "a refused run leaves no file"; fi
check "alias on clusters fitted with --heldout" 0 \
    $S alias -q -s "$T/hst.h5" -c "$T/hcl.h5" --bootstrap 0 -o "$T/hal.h5"
check "pca --heldout 1.5 is refused" 2 $S pca -q -i "$T/hst.h5" --heldout 1.5 -o "$T/hbad.h5"

$PY - "$T" > "$T/heldout.out" 2>&1 <<'PYEOF'
import sys, h5py, numpy as np
T = sys.argv[1]
st, cl, pc, al = (h5py.File(T + f) for f in ("/hst.h5", "/hcl.h5", "/hpca.h5", "/hal.h5"))
bad = []
doc, nxt, tok = st["doc"][...], st["next_tokens"][...], st["tokens"][...]
rows, mask = cl["rows"][...], cl["heldout"][...].astype(bool)
if len(rows) != len(doc): bad.append("not every row clustered")
held = np.zeros(len(doc), bool); held[rows] = mask
# whole documents, the share asked for (round(0.25 D) of the documents with a next token)
for d in np.unique(doc):
    if len(np.unique(held[doc == d])) != 1: bad.append(f"document {d} split"); break
D = len(np.unique(doc[nxt >= 0])); nt = len(np.unique(doc[held]))
if nt != max(1, int(0.25 * D + 0.5)): bad.append(f"{nt} documents held out of {D}")
if cl.attrs["heldout"] != 0.25 or cl.attrs["heldout_seed"] != 7: bad.append("split attributes")
# the PCA: the mean of the training rows only
for i, l in enumerate(pc["layers"][...]):
    X = st["states/resid"][st["states/resid_layers"][...].tolist().index(l)].astype(np.float64)
    if not np.allclose(pc["mean"][i], X[~held].mean(0), rtol=1e-9, atol=1e-12): bad.append(f"pca mean, layer {l}")
    if np.allclose(pc["mean"][i], X.mean(0), rtol=1e-9, atol=1e-12): bad.append(f"pca mean also of all rows, layer {l}")
# every row (held out or not) labelled by its nearest centre
for i, l in enumerate(cl["layers"][...]):
    X = st["states/resid"][st["states/resid_layers"][...].tolist().index(l)].astype(np.float64)[rows]
    C = cl["centers"][i]
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)
    lab = cl["labels"][i]
    if not np.all(d2[np.arange(len(lab)), lab] <= d2.min(1) + 1e-9): bad.append(f"labels not nearest, layer {l}")
    # centres are means of the training rows only
    for k in range(C.shape[0]):
        sel = (lab == k) & ~mask
        if sel.any() and not np.allclose(C[k], X[sel].mean(0), rtol=1e-4, atol=1e-6): bad.append(f"centre {k} not a training mean"); break
# alias scored the recorded held-out rows: its add-alpha unigram CE recomputed from them
V = al.attrs["vocab_size"]; a = 0.1
y = nxt[rows]; tr = (y >= 0) & ~mask; te = (y >= 0) & mask
n = np.bincount(y[tr], minlength=V).astype(float)
q0 = (n + a) / (n.sum() + a * V)  # shang_heldout: one condition smoothed towards the add-alpha unigram
ce = -np.log((n[y[te]] + a * V * q0[y[te]]) / (n.sum() + a * V)).mean()
got = al["tables/layers/ce_y"][0]
if abs(got - ce) > 1e-12 * abs(ce): bad.append(f"alias ce_y {got} vs {ce} from the recorded split")
print("heldout ok" if not bad else "wrong: " + "; ".join(bad))
PYEOF
contains "one split for pca, cluster and alias; nearest-centre labels; training-only fits" "$T/heldout.out" "heldout ok"

# two renderings of one text: a chapter's KJV and WEB documents are held out together
# the first 10 chapters (documents: blank-line separated) of each
gzip -dc datasets/corpus/kjv.valid.txt.gz | awk 'BEGIN { RS = ""; ORS = "\n\n" } NR <= 10' > "$T/kjv.part.txt"
gzip -dc datasets/corpus/web.valid.txt.gz | awk 'BEGIN { RS = ""; ORS = "\n\n" } NR <= 10' > "$T/web.part.txt"
check "extract two renderings" 0 $S extract -q -m "$T/hmodel.h5" --ctx 32 -o "$T/pst.h5" "$T/kjv.part.txt" "$T/web.part.txt"
check "cluster --heldout --parallel" 0 \
    $S cluster -q -i "$T/pst.h5" -k 6 --heldout 0.3 --parallel kjv.,web. -o "$T/pcl.h5"
check "alias with the clusters' parallel split" 0 \
    $S alias -q -s "$T/pst.h5" -c "$T/pcl.h5" --parallel kjv.,web. --bootstrap 5 -o "$T/pal.h5"
check "alias refuses another grouping than the clusters'" 1 \
    $S alias -q -s "$T/pst.h5" -c "$T/pcl.h5" --bootstrap 0 -o "$T/pbad.h5"
contains "the grouping is named" "$err" "was split with --parallel 'kjv.,web.'"
check "a prefix no file has" 1 $S cluster -q -i "$T/pst.h5" -k 6 --heldout 0.3 --parallel kjv.,nkjv. -o "$T/pbad.h5"
contains "the prefix is named" "$err" "starts with 'nkjv.'"
$PY - "$T" > "$T/parallel.out" 2>&1 <<'PYEOF'
import sys, h5py, numpy as np
T = sys.argv[1]
st, cl = h5py.File(T + "/pst.h5"), h5py.File(T + "/pcl.h5")
bad = []
files = [f.decode() if isinstance(f, bytes) else f for f in st["files"][...]]
if files != ["kjv.part.txt", "web.part.txt"]: bad.append(f"files {files}")
df, di, doc = st["doc_file"][...], st["doc_index"][...], st["doc"][...]
held = np.zeros(len(doc), bool); held[cl["rows"][...]] = cl["heldout"][...].astype(bool)
hd = {}
for d in np.unique(doc):
    hd[(df[d], di[d])] = held[doc == d][0]
pairs = [(hd[(0, j)], hd[(1, j)]) for (f, j) in hd if f == 0 and (1, j) in hd]
if len(pairs) != 10: bad.append(f"{len(pairs)} chapter pairs")
if any(a != b for a, b in pairs): bad.append("a chapter's renderings on both sides of the split")
if not any(a for a, b in pairs) or all(a for a, b in pairs): bad.append("nothing or everything held out")
print("parallel ok" if not bad else "wrong: " + "; ".join(bad))
PYEOF
contains "a chapter's two renderings never straddle the split; files and document indices recorded" "$T/parallel.out" "parallel ok"
