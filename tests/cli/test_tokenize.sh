# CLI tests of `shang bpe` and `shang tokenize`: help, usage errors, missing and
# bad inputs, a learnt tokenizer, artefacts, and exact round trips through the
# command line for text with invalid UTF-8 and NUL bytes.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP

check "bpe --help exits 0" 0 $S bpe --help
contains "bpe help has the default vocabulary" "$out" "default 8192"
check "bpe without output exits 2" 2 $S bpe datasets/corpus/devil.train.txt.gz
check "bpe with a tiny vocabulary exits 2" 2 $S bpe -V 100 -o "$T/t.h5" datasets/corpus/devil.train.txt.gz
contains "bad vocabulary size is explained" "$err" "-V 100: 100 is outside [257, 1048576]"
check "bpe with a bad --docs exits 2" 2 $S bpe --docs para -o "$T/t.h5" datasets/corpus/devil.train.txt.gz
check "bpe on a missing file exits 1" 1 $S bpe -o "$T/t.h5" "$T/missing.txt"
contains "missing input is named" "$err" "$T/missing.txt"
if [ -e "$T/t.h5" ]; then notok "failed bpe leaves no output"; else ok "failed bpe leaves no output"; fi
check "bpe learns on the Devil's Dictionary" 0 $S bpe -q -V 600 -o "$T/devil.tok.h5" datasets/corpus/devil.train.txt.gz
check "info on the tokenizer" 0 $S info "$T/devil.tok.h5"
contains "tokenizer format" "$out" "format: shang.tokenizer version 1"
contains "tokenizer records its input" "$out" "text_0:"
contains "tokenizer vocabulary" "$out" "/tokenizer/tokens  string (600,)"
check "bpe again" 0 $S bpe -q -V 600 -o "$T/devil2.tok.h5" datasets/corpus/devil.train.txt.gz
/usr/bin/python3 - "$T/devil.tok.h5" "$T/devil2.tok.h5" > "$T/same.txt" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
print("same" if np.array_equal(a["tokenizer/merges"][...], b["tokenizer/merges"][...]) and
      list(a["tokenizer/tokens"][...]) == list(b["tokenizer/tokens"][...]) else "different")
PY
contains "bpe is deterministic" "$T/same.txt" "same"

check "tokenize --help exits 0" 0 $S tokenize --help
check "tokenize needs a tokenizer" 2 $S tokenize --print "$T/x"
check "tokenize needs -o or --print" 2 $S tokenize --gpt2 datasets/gpt2 datasets/corpus/devil.test.txt.gz
check "tokenize with a bad gpt2 dir exits 1" 1 $S tokenize --gpt2 "$T/nodir" --print datasets/corpus/devil.test.txt.gz
contains "bad gpt2 dir is named" "$err" "$T/nodir"
check "tokenize with a non-tokenizer file exits 1" 1 $S tokenize -t datasets/corpus/devil.test.txt.gz --print datasets/corpus/devil.test.txt.gz
# bytes that are not UTF-8, NUL, CR, a lone continuation byte, a surrogate encoding
printf 'caf\303\251 \377\376 bad\000nul\r\n\200x \355\240\200 end\n\nsecond doc\n' > "$T/odd.txt"
# decode ends every document with an empty line
cp "$T/odd.txt" "$T/odd.expected"; echo >> "$T/odd.expected"
for tok in "--gpt2 datasets/gpt2" "-t $T/devil.tok.h5"; do
    check "print ids ($tok)" 0 $S tokenize $tok --print "$T/odd.txt"
    cp "$out" "$T/odd.ids"
    check "decode ids ($tok)" 0 $S tokenize $tok --decode "$T/odd.ids"
    if cmp -s "$out" "$T/odd.expected"; then ok "decode(encode(x)) == x for odd bytes ($tok)"; else notok "decode(encode(x)) == x for odd bytes ($tok)" "$(od -c "$out" | head -3)"; fi
done
check "tokenize to an artefact" 0 $S tokenize -q -t "$T/devil.tok.h5" -o "$T/devil.tokens.h5" datasets/corpus/devil.test.txt.gz datasets/corpus/devil.valid.txt.gz
check "decode the artefact with its own tokenizer" 0 $S tokenize -t "$T/devil.tokens.h5" --decode "$T/devil.tokens.h5"
( zcat datasets/corpus/devil.test.txt.gz; echo; zcat datasets/corpus/devil.valid.txt.gz; echo ) > "$T/devil.txt"
if cmp -s "$out" "$T/devil.txt"; then ok "artefact decodes to the corpus text"; else notok "artefact decodes to the corpus text"; fi
check "decode of a missing file exits 1" 1 $S tokenize -t "$T/devil.tok.h5" --decode "$T/missing.ids"
printf '1 2 600\n' > "$T/big.ids"
check "decode rejects id 600 of 600" 1 $S tokenize -t "$T/devil.tok.h5" --decode "$T/big.ids"
contains "out-of-range id is explained" "$err" "outside the vocabulary (600)"
printf '1 x 2\n' > "$T/junk.ids"
check "decode rejects a non-number" 1 $S tokenize -t "$T/devil.tok.h5" --decode "$T/junk.ids"
contains "non-number names file and line" "$err" "$T/junk.ids:1"
echo "1..$n"
