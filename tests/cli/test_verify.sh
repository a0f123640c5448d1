# CLI test of shang verify and of reproducibility: a small pipeline (bpe, init,
# extract, pca, cluster, alias, lens, spectrum, ngram) is re-run from each
# artefact's recorded provenance and gives the same data; a changed artefact, a
# changed input and a missing file are reported; paths with spaces and quotes
# survive the recorded command line.
. tests/cli/tap.sh
S=$(cd "$(dirname "$SHANG")" && pwd)/$(basename "$SHANG") # absolute: some steps run elsewhere
T=$SHANG_TEST_TMP
D="$T/verify dir"
mkdir -p "$D"
cp datasets/corpus/devil.train.txt.gz "$D/it's.txt.gz"
check "verify without artefacts" 2 $S verify
$S bpe -q -V 300 -o "$D/tok.h5" "$D/it's.txt.gz"
$S init -q -t "$D/tok.h5" -L 2 -C 32 -H 4 -T 64 -o "$D/model.h5"
$S extract -q -m "$D/model.h5" --max-tokens 3000 -o "$D/states.h5" "$D/it's.txt.gz"
$S pca -q -i "$D/states.h5" -k 8 -o "$D/pca.h5"
$S cluster -q -i "$D/states.h5" --pca "$D/pca.h5" -k 16 -o "$D/clusters.h5"
$S alias -q -s "$D/states.h5" -c "$D/clusters.h5" --bootstrap 20 -o "$D/alias.h5"
(cd "$D" && $S lens -q -m model.h5 --max-tokens 500 --repeat 5 --bootstrap 10 -o "lens q'uoted.h5" "it's.txt.gz")
$S spectrum -q -m "$D/model.h5" -o "$D/spectrum.h5"
$S ngram -q -t "$D/tok.h5" --train "$D/it's.txt.gz" --eval "$D/it's.txt.gz" --max-context 2 -o "$D/ngram.h5" > /dev/null
for a in tok model states pca clusters alias "lens q'uoted" spectrum ngram; do
    check "verify $a" 0 $S verify "$D/$a.h5"
    contains "$a is reproduced" "$out" "reproduced"
done
check "verify several, from another folder" 0 sh -c "cd / && $S verify '$D/pca.h5' '$D/clusters.h5'"
cp "$D/alias.h5" "$D/alias2.h5"
/usr/bin/python3 -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); d = f['tables/layers/h_x']; d[0] = d[0] + 1e-12" "$D/alias2.h5"
check "a changed value is found" 1 $S verify "$D/alias2.h5"
contains "the changed table column is named" "$out" "DIFFERS"
contains "the path of the change" "$out" "/tables/layers/h_x"
cp "$D/it's.txt.gz" "$D/copy.gz"
$S lens -q -m "$D/model.h5" --max-tokens 200 --bootstrap 0 -o "$D/lens2.h5" "$D/copy.gz"
echo more | gzip >> "$D/copy.gz"
check "a changed input is not re-run" 1 $S verify "$D/lens2.h5"
contains "the changed input is named" "$out" "input text_0"
check "a missing artefact" 1 $S verify "$D/none.h5"
contains "the missing file is reported" "$out" "NOT CHECKED"
check "--keep keeps the re-run" 0 $S verify --keep "$T/kept" "$D/pca.h5"
if [ -f "$T/kept/pca.h5.d/out0.h5" ]; then ok "the re-run output is kept"; else notok "the re-run output is kept"; fi
echo "1..$n"
