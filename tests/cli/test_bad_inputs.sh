# Regression tests of the bad-input survey (issue 17): each bad input gets a
# clear message naming the file or option, its documented exit status, and no
# output file.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
PY=/usr/bin/python3
M=datasets/models/shang-6l.h5
V=datasets/corpus/devil.valid.txt.gz
no_output() { if [ -e "$1" ]; then notok "$2 leaves no output" "$1 exists"; else ok "$2 leaves no output"; fi; }

$S bpe -q -V 300 -o "$T/btok.h5" datasets/corpus/devil.train.txt.gz
$S init -q -t "$T/btok.h5" -L 2 -C 32 -H 4 -T 64 -o "$T/bm.h5"
$S extract -q -m "$T/bm.h5" --max-tokens 600 -o "$T/bst.h5" $V

# output = input (any name for the same file): refused before anything runs
cp "$T/bst.h5" "$T/copy.h5"
check "pca onto its own input" 2 $S pca -q -i "$T/copy.h5" -o "$T/copy.h5"
contains "output = input is named" "$err" "the output $T/copy.h5 is also an input ($T/copy.h5)"
ln -f "$T/copy.h5" "$T/hard.h5"
check "pca onto a hard link of its input" 2 $S pca -q -i "$T/copy.h5" --output="$T/hard.h5"
check "export onto its input" 2 $S export -q "$T/copy.h5" layers -o "$T/copy.h5"
check "extract onto its model" 2 $S extract -q -m "$T/hard.h5" -o "$T/copy.h5" $V
if cmp -s "$T/copy.h5" "$T/bst.h5"; then ok "the input is untouched"; else notok "the input is untouched"; fi

# standard output that cannot be written: exit 1 with the reason
if [ -w /dev/full ]; then
    check "info > /dev/full" 1 sh -c "$S info $T/bst.h5 > /dev/full"
    contains "stdout failure explained" "$err" "cannot write standard output: No space left on device"
    check "generate > /dev/full" 1 sh -c "$S generate -m $T/bm.h5 -n 20 --seed 1 > /dev/full"
    check "--version > /dev/full" 1 sh -c "$S --version > /dev/full"
else
    skip "info > /dev/full" "no /dev/full"
    skip "stdout failure explained" "no /dev/full"
    skip "generate > /dev/full" "no /dev/full"
    skip "--version > /dev/full" "no /dev/full"
fi

# options the model rules out are usage errors naming the option
check "--ctx past the model's context" 2 $S extract -q -m "$T/bm.h5" --ctx 65 -o "$T/x.h5" $V
contains "--ctx named" "$err" "--ctx 65 outside [2, 64] (the model's context)"
check "--stride past the window" 2 $S extract -q -m "$T/bm.h5" --ctx 32 --stride 40 -o "$T/x.h5" $V
contains "--stride named" "$err" "--stride 40 outside [1, 31]"
check "--layers past the model" 2 $S extract -q -m "$T/bm.h5" --layers 7 -o "$T/x.h5" $V
contains "--layers named" "$err" "--layers: layer 7 outside [0, 2]"
check "--layers with an empty item" 2 $S extract -q -m "$T/bm.h5" --layers 0,,1 -o "$T/x.h5" $V
contains "empty item named" "$err" "--layers 0,,1: empty item in the list '0,,1'"
check "--layers with a trailing comma" 2 $S pca -q -i "$T/bst.h5" --layers 1, -o "$T/x.h5"
no_output "$T/x.h5" "the usage errors"

# the shared options (toolkit/bin/cmd.c): one range and one message in every verb
for v in extract pca cluster alias senses lens geometry spectrum train generate loss init; do
    case $v in init|pca) opt="--seed -1"; msg="--seed -1: '-1' is not a non-negative integer" ;;
               *) opt="--threads 0"; msg="--threads 0: 0 is outside [1, 4096]" ;; esac
    [ $v = pca ] && { opt="--site nowhere"; msg="--site nowhere:"; }
    check "$v $opt exits 2" 2 $S $v $opt
    contains "$v $opt named" "$err" "$msg"
done
for v in alias senses lens; do
    check "$v --bootstrap 1 exits 2" 2 $S $v --bootstrap 1
    contains "$v --bootstrap 1 named" "$err" "--bootstrap 1: the bootstrap needs 0 or at least 2 replicates"
    check "$v --level 1 exits 2" 2 $S $v --level 1
    contains "$v --level 1 named" "$err" "--level 1: 1 is outside [0.5, 0.999]"
done
for v in pca cluster alias senses geometry; do
    check "$v --layers 3-1 exits 2" 2 $S $v --layers 3-1
done
check "--layers all is every layer (pca)" 0 $S pca -q -i "$T/bst.h5" -k 2 --layers all -o "$T/all.h5"
check "a layer the states lack is named (pca)" 2 $S pca -q -i "$T/bst.h5" -k 2 --layers 0,5 -o "$T/x.h5"
contains "the missing layer is named" "$err" "has no layer 5 at site resid"
check "a shared option a verb does not take is unknown" 2 $S export --seed 1 "$T/bst.h5"
contains "unknown shared option named" "$err" "unknown option '--seed'"

# empty corpora
printf '' | gzip > "$T/empty.txt.gz"
check "bpe on an empty corpus" 1 $S bpe -q -V 300 -o "$T/x.h5" "$T/empty.txt.gz"
contains "empty corpus explained" "$err" "has no text to learn merges from"
check "ngram on an empty training file" 1 $S ngram -q -t "$T/btok.h5" --train "$T/empty.txt.gz" --eval $V -o "$T/x.h5"
contains "empty training file named" "$err" "--train $T/empty.txt.gz: 0 tokens"
no_output "$T/x.h5" "the empty corpora"

# numerical failures exit 3
$PY - "$T" <<'PY'
import sys, shutil, h5py, numpy as np
T = sys.argv[1]
for name in ("const", "nan", "inf"):
    shutil.copy(T + "/bst.h5", "%s/%s.h5" % (T, name))
    with h5py.File("%s/%s.h5" % (T, name), "r+") as f:
        d = f["states/resid"]
        x = d[...]
        if name == "const": x[...] = 1.5
        if name == "nan": x[1, 5, 2] = np.nan
        if name == "inf": x[2, 7, 0] = np.inf
        d[...] = x
PY
check "pca on constant states" 3 $S pca -q -k 4 -i "$T/const.h5" -o "$T/x.h5"
contains "constant states explained" "$err" "every feature is constant"
check "pca on a NaN state" 3 $S pca -q -k 4 -i "$T/nan.h5" -o "$T/x.h5"
contains "the NaN is located" "$err" "$T/nan.h5: resid layer 1 row 5 feature 2 is NaN or infinite"
check "geometry on a NaN state" 3 $S geometry -q -i "$T/nan.h5" -o "$T/x.h5"
check "cluster on an infinite state" 3 $S cluster -q -i "$T/inf.h5" -k 4 -o "$T/x.h5"
contains "the infinity is located" "$err" "resid layer 2 row 7 feature 0 is NaN or infinite"
no_output "$T/x.h5" "the numerical failures"
check "pca -k past the width" 2 $S pca -q -k 50 -i "$T/bst.h5" -o "$T/x.h5"
contains "-k past the width explained" "$err" "-k 50: $T/bst.h5 has only 32 features"

# inconsistent inputs: a named error (which file, expected and found), exit 1
$S extract -q -m "$T/bm.h5" --max-tokens 600 -o "$T/bst2.h5" datasets/corpus/austen.valid.txt.gz
$S pca -q -k 4 -i "$T/bst.h5" -o "$T/bpca.h5"
$S cluster -q -k 5 -i "$T/bst.h5" -o "$T/bcl.h5"
check "alias with clusters of other states" 1 $S alias -q -s "$T/bst2.h5" -c "$T/bcl.h5" -o "$T/x.h5"
contains "other states named" "$err" "$T/bcl.h5 was made from other states ($T/bst.h5"
check "cluster --pca with a PCA of other states" 1 $S cluster -q -k 5 -i "$T/bst2.h5" --pca "$T/bpca.h5" -o "$T/x.h5"
contains "other PCA named" "$err" "$T/bpca.h5 was made from other states"
cp "$T/bcl.h5" "$T/bcl-bad.h5"
$PY - "$T" <<'PY'
import sys, h5py, shutil
T = sys.argv[1]
with h5py.File(T + "/bcl-bad.h5", "r+") as f:
    lab = f["labels"][...]
    lab[0, 3] = 7
    f["labels"][...] = lab
shutil.copy(T + "/bst.h5", T + "/bst-tok.h5")
with h5py.File(T + "/bst-tok.h5", "r+") as f:
    t = f["tokens"][...]
    t[4] = 100000
    f["tokens"][...] = t
PY
check "alias with a cluster label >= k" 1 $S alias -q -s "$T/bst.h5" -c "$T/bcl-bad.h5" -o "$T/x.h5"
contains "bad label named" "$err" "layer 0 row 3 has cluster 7, outside [0, k = 5)"
$S cluster -q -k 5 -i "$T/bst-tok.h5" -o "$T/bcl-tok.h5"
check "alias with a token id past the vocabulary" 1 $S alias -q -s "$T/bst-tok.h5" -c "$T/bcl-tok.h5" -o "$T/x.h5"
contains "bad token named" "$err" "token 100000 / next token"
$S bpe -q -V 400 -o "$T/btok400.h5" datasets/corpus/devil.train.txt.gz
$PY - "$T" <<'PY'
import sys, shutil, h5py, numpy as np
T = sys.argv[1]
shutil.copy(T + "/bm.h5", T + "/bm-eot.h5")
with h5py.File(T + "/bm-eot.h5", "r+") as f:
    f["tokenizer"].attrs["eot_id"] = 100000
shutil.copy(T + "/bm.h5", T + "/bm-vocab.h5")
with h5py.File(T + "/bm-vocab.h5", "r+") as f, h5py.File(T + "/btok400.h5", "r") as g:
    del f["tokenizer"]
    g.copy("tokenizer", f)  # 400 tokens for a model of 300
shutil.copy(T + "/bst.h5", T + "/bst-rows.h5")
with h5py.File(T + "/bst-rows.h5", "r+") as f:
    t = f["tokens"][...]
    del f["tokens"]
    f["tokens"] = t[:-3]
shutil.copy(T + "/bst.h5", T + "/bst-layers.h5")
with h5py.File(T + "/bst-layers.h5", "r+") as f:
    l = f["states/resid_layers"][...]
    l[1] = l[0]
    f["states/resid_layers"][...] = l
PY
check "extract with a model whose eot_id is wrong" 1 $S extract -q -m "$T/bm-eot.h5" -o "$T/x.h5" $V
contains "the eot_id is explained" "$err" "eot_id 100000, but <|endoftext|> is token"
check "extract with a model whose tokenizer is not its vocabulary" 1 $S extract -q -m "$T/bm-vocab.h5" -o "$T/x.h5" $V
contains "the vocabulary mismatch is explained" "$err" "the tokenizer has 400 tokens, the model's vocab_size is 300"
check "pca on states with fewer tokens than rows" 1 $S pca -q -k 2 -i "$T/bst-rows.h5" -o "$T/x.h5"
contains "the row count is explained" "$err" "tokens has"
check "pca on states listing a layer twice" 1 $S pca -q -k 2 -i "$T/bst-layers.h5" -o "$T/x.h5"
contains "the duplicate layer is explained" "$err" "lists layer 0 twice"
no_output "$T/x.h5" "the inconsistent inputs"

# a full disk: exit 1 naming the output (not an input), no file left, no crash
mkdir -p "$T/full"
if mount -t tmpfs -o size=200k tmpfs "$T/full" 2>/dev/null; then
    check "extract onto a full disk" 1 $S extract -q -m $M -o "$T/full/s.h5" $V
    contains "the full output is named" "$err" "shang extract: $T/full/s.h5: No space left on device"
    if [ -z "$(ls -A "$T/full")" ]; then ok "a full disk leaves no file"; else notok "a full disk leaves no file" "$(ls "$T/full")"; fi
    dd if=/dev/zero of="$T/full/filler" bs=1k count=400 2>/dev/null # fills it
    check "pca onto a full disk" 1 $S pca -q -k 2 -i "$T/bst.h5" -o "$T/full/p.h5"
    contains "the full pca output is named" "$err" "$T/full/p.h5"
    rm -f "$T/full/filler"
    if [ -z "$(ls -A "$T/full")" ]; then ok "pca on a full disk leaves no file"; else notok "pca on a full disk leaves no file" "$(ls "$T/full")"; fi
    umount "$T/full"
else
    for t in "extract onto a full disk" "the full output is named" "a full disk leaves no file" "pca onto a full disk" \
        "the full pca output is named" "pca on a full disk leaves no file"; do
        skip "$t" "cannot mount a small tmpfs here (not root, or no privilege)"
    done
fi

# SIGTERM while extracting: the temporary file goes with the process
mkdir -p "$T/sig"
$S extract -q -m $M -o "$T/sig/s.h5" datasets/corpus/kjv.train.txt.gz &
pid=$!
i=0
while [ -z "$(ls -A "$T/sig")" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 143 ]; then ok "SIGTERM ends extract (status 143)"; else notok "SIGTERM ends extract (status 143)" "status $rc"; fi
if [ -z "$(ls -A "$T/sig")" ]; then ok "SIGTERM leaves no temporary file"; else notok "SIGTERM leaves no temporary file" "$(ls "$T/sig")"; fi
echo "1..$n"
