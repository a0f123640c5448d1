# CLI tests of the model verbs: init, extract (text and items, windows, limits),
# generate (seeded), import-gpt2 errors, info on a model.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
PY=/usr/bin/python3

check "init --help" 0 $S init --help
check "init: heads must divide width" 2 $S init --gpt2 datasets/gpt2 -C 30 -H 4 -o "$T/m.h5"
check "init: needs a tokenizer" 2 $S init -o "$T/m.h5"
$S bpe -q -V 400 -o "$T/tok.h5" datasets/corpus/devil.train.txt.gz
check "init a tiny model" 0 $S init -q -t "$T/tok.h5" -L 2 -C 32 -H 4 -T 64 -o "$T/tiny.h5"
check "info on the model" 0 $S info "$T/tiny.h5"
contains "model format" "$out" "format: shang.model version 1"
contains "model config" "$out" "n_layer: 2"
contains "model weights" "$out" "/weights/qkv_w  float32 (2, 96, 32)"
contains "model tokenizer" "$out" "/tokenizer/tokens  string (400,)"

check "extract --help" 0 $S extract --help
check "extract without a model" 2 $S extract -o "$T/s.h5" datasets/corpus/devil.valid.txt.gz
check "extract with text and items" 2 $S extract -m "$T/tiny.h5" --items datasets/senses/polysemy.tsv.gz -o "$T/s.h5" datasets/corpus/devil.valid.txt.gz
check "extract --targets-only without items" 2 $S extract -m "$T/tiny.h5" --targets-only -o "$T/s.h5" datasets/corpus/devil.valid.txt.gz
check "extract with a bad site" 2 $S extract -m "$T/tiny.h5" --sites resid,foo -o "$T/s.h5" datasets/corpus/devil.valid.txt.gz
check "extract with a layer past the model (usage, exit 2)" 2 $S extract -q -m "$T/tiny.h5" --layers 0-5 -o "$T/s.h5" datasets/corpus/devil.valid.txt.gz
contains "bad layer is explained" "$err" "layer 3 outside [0, 2]"
if [ -e "$T/s.h5" ]; then notok "failed extract leaves no output"; else ok "failed extract leaves no output"; fi
check "extract with a missing model" 1 $S extract -m "$T/none.h5" -o "$T/s.h5" datasets/corpus/devil.valid.txt.gz
contains "missing model is named" "$err" "$T/none.h5"

# windows: a 16-token context moving by 5 stores every token exactly once
check "extract text in windows" 0 $S extract -q -m "$T/tiny.h5" --ctx 16 --stride 5 --batch 3 --layers 0,2 -o "$T/w.h5" datasets/corpus/devil.valid.txt.gz
$S tokenize -t "$T/tiny.h5" --print datasets/corpus/devil.valid.txt.gz > "$T/ids.txt"
$PY - "$T/w.h5" "$T/ids.txt" > "$T/w.out" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
docs = [list(map(int, l.split())) for l in open(sys.argv[2])]
flat = np.array([t for d in docs for t in d])
pos = f["pos"][...]; doc = f["doc"][...]
ok = (np.array_equal(f["tokens"][...], flat) and f["states/resid"].shape == (2, len(flat), 32)
      and list(f["states/resid_layers"][...]) == [0, 2]
      and all(np.array_equal(pos[doc == d], np.arange(len(docs[d]))) for d in range(len(docs))))
print("windows ok" if ok else "windows wrong %s %s" % (f["tokens"].shape, len(flat)))
PY
contains "every token stored once, in order" "$T/w.out" "windows ok"
check "extract stops at --max-tokens" 0 $S extract -q -m "$T/tiny.h5" --max-tokens 100 -o "$T/m100.h5" datasets/corpus/devil.valid.txt.gz
check "info on the states" 0 $S info "$T/m100.h5"
contains "states have 100 rows" "$out" "/states/resid  float32 (3, 100, 32)"
contains "states say the first position is not stored" "$out" "<|endoftext|> prefix run but not stored"

# items: one target row per sentence of the polysemy set (first 300 rows)
zcat datasets/senses/polysemy.tsv.gz | head -301 > "$T/poly.tsv"
check "extract items, targets only" 0 $S extract -q -m "$T/tiny.h5" --items "$T/poly.tsv" --targets-only --target-rep mean -o "$T/items.h5"
$PY - "$T/items.h5" > "$T/i.out" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
n = f["states/resid"].shape[1]
ok = (n == 300 and np.array_equal(f["item_target_last"][...], np.arange(300))
      and np.array_equal(f["item"][...], np.arange(300)) and len(f["items/lemma"]) == 300)
print("items ok" if ok else "items wrong: %d rows" % n)
PY
contains "one row per item, tables kept" "$T/i.out" "items ok"
printf 'sentence\ttarget_start\ttarget_end\nthe bank\t4\t99\n' > "$T/bad.tsv"
check "a span outside the text exits 1" 1 $S extract -q -m "$T/tiny.h5" --items "$T/bad.tsv" --targets-only -o "$T/bad.h5"
contains "bad span names the row" "$err" "$T/bad.tsv: row 2"
printf 'sentence\tx\nonly one field\n' > "$T/short.tsv"
check "a short TSV row exits 1" 1 $S extract -q -m "$T/tiny.h5" --items "$T/short.tsv" -o "$T/bad.h5"
contains "short row names file and line" "$err" "$T/short.tsv:2: 1 fields, the header has 2"

# PCA and k-means of the states, per layer, with provenance leading back to the model
check "pca" 0 $S pca -q -i "$T/w.h5" -k 6 --standardize --exclude-first -o "$T/pca.h5"
check "cluster on PCA coordinates" 0 $S cluster -q -i "$T/w.h5" --pca "$T/pca.h5" --dims 4 -k 8 --exclude-first -o "$T/cl.h5"
check "cluster again, 1 thread" 0 $S cluster -q --threads 1 -i "$T/w.h5" --pca "$T/pca.h5" --dims 4 -k 8 --exclude-first -o "$T/cl1.h5"
$PY - "$T/pca.h5" "$T/cl.h5" "$T/cl1.h5" "$T/w.h5" > "$T/pc.out" <<'PY'
import sys, h5py, numpy as np
p, c, c1, w = (h5py.File(x, "r") for x in sys.argv[1:5])
comp = p["components"][...]
ortho = all(np.allclose(comp[l] @ comp[l].T, np.eye(6), atol=1e-9) for l in range(comp.shape[0]))
lab = c["labels"][...]
rows = c["rows"][...]
ok = (ortho and list(p["layers"][...]) == [0, 2] and lab.shape == (2, len(rows)) and lab.min() == 0 and lab.max() == 7
      and np.all(w["pos"][...][rows] != 0) and np.array_equal(lab, c1["labels"][...])
      )
chain = c["provenance/inputs/states/provenance/inputs/model"].attrs["format"] == "shang.model"
print("pca-cluster ok" if ok and ortho and chain and np.array_equal(lab, c1["labels"][...]) else "wrong")
PY
contains "components orthonormal, labels 0..k-1, first positions excluded, same for 1 thread, provenance chain" "$T/pc.out" "pca-cluster ok"
check "cluster with --dims but no --pca" 2 $S cluster -i "$T/w.h5" -k 4 --dims 3 -o "$T/x.h5"
check "cluster with more clusters than rows" 1 $S cluster -q -i "$T/m100.h5" -k 500 -o "$T/x.h5"
contains "too many clusters is explained" "$err" "500 clusters for"

check "generate --help" 0 $S generate --help
check "generate" 0 $S generate -q -m "$T/tiny.h5" -p "The " -n 12 --seed 5
cp "$out" "$T/g1.txt"
check "generate again" 0 $S generate -q -m "$T/tiny.h5" -p "The " -n 12 --seed 5
if cmp -s "$out" "$T/g1.txt"; then ok "same seed, same text"; else notok "same seed, same text"; fi
check "generate with a bad top-p" 2 $S generate -m "$T/tiny.h5" --top-p 0

check "import-gpt2 --help" 0 $S import-gpt2 --help
check "import-gpt2 of a missing directory" 1 $S import-gpt2 -o "$T/g.h5" "$T/nodir"
contains "missing checkpoint is named" "$err" "$T/nodir/config.json"
check "import-gpt2 without output" 2 $S import-gpt2 "$T/nodir"
echo "1..$n"
