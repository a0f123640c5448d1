# CLI test of shang lens: usage errors exit 2, runtime errors exit 1 and leave no
# output, the tables are there and export; the numbers are checked against numpy
# in tests/py/test_lens_numpy.py.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP

$S bpe -q -V 300 -o "$T/ltok.h5" datasets/corpus/devil.train.txt.gz
$S init -q -t "$T/ltok.h5" -L 2 -C 32 -H 4 -T 64 -o "$T/lmodel.h5"
printf 'One document, with a comma.\n\nAnother: two, three.\n' > "$T/l.txt"
: > "$T/empty.txt"
L="$T/lens.h5"
check "lens without a model" 2 $S lens -o "$L" "$T/l.txt"
check "lens without an output" 2 $S lens -m "$T/lmodel.h5" "$T/l.txt"
check "lens without input files" 2 $S lens -m "$T/lmodel.h5" -o "$L"
check "lens --bootstrap 1" 2 $S lens -m "$T/lmodel.h5" --bootstrap 1 -o "$L" "$T/l.txt"
check "lens --repeat 1" 2 $S lens -m "$T/lmodel.h5" --repeat 1 -o "$L" "$T/l.txt"
check "lens --ctx abc" 2 $S lens -m "$T/lmodel.h5" --ctx abc -o "$L" "$T/l.txt"
contains "the bad option is named" "$err" "--ctx"
check "lens of a missing text exits 1" 1 $S lens -q -m "$T/lmodel.h5" -o "$L" "$T/none.txt"
contains "the missing file is named" "$err" "none.txt"
check "lens of an empty text exits 1" 1 $S lens -q -m "$T/lmodel.h5" -o "$L" "$T/empty.txt"
check "--repeat longer than the context exits 1" 1 $S lens -q -m "$T/lmodel.h5" --repeat 40 -o "$L" "$T/l.txt"
contains "the context is named" "$err" "context 64"
check "--ctx beyond the model's exits 2 (usage)" 2 $S lens -q -m "$T/lmodel.h5" --ctx 65 -o "$L" "$T/l.txt"
if [ -e "$L" ]; then notok "no output after failures"; else ok "no output after failures"; fi
check "lens" 0 $S lens -m "$T/lmodel.h5" --trace 1 --repeat 8 --repeat-seqs 3 -o "$L" "$T/l.txt"
contains "per-layer summary on stderr" "$err" "layer  2"
for t in layers positions punctuation trace repeat repeat_positions; do
    check "export $t" 0 $S export "$L" $t
done
contains "export carries the provenance" "$out" "# verb: lens"
check "--max-tokens stops early" 0 $S lens -q -m "$T/lmodel.h5" --max-tokens 5 --bootstrap 0 -o "$T/l5.h5" "$T/l.txt"
check "export the layers" 0 $S export --no-header "$T/l5.h5" layers
contains "5 positions scored" "$out" "	5"
check "info describes a lens file" 0 $S info "$L"
contains "info names the format" "$out" "shang.lens"
echo "1..$n"
