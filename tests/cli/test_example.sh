# The installed API (make install PREFIX=$BUILD/prefix, done by make test): the
# public headers compile alone with only pkg-config's flags, no internal header is
# installed or included by an installed one, and toolkit/examples/alias_pipeline
# (built against the installed library) gives the same states, bit for bit, and
# the same aliasing numbers, to the last digit, as `shang extract | cluster | alias`.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
P=$(cd "$BUILD" && pwd)/prefix
EX=$BUILD/examples/alias_pipeline
PY=/usr/bin/python3
export PKG_CONFIG_PATH="$P/lib/pkgconfig"

check "pkg-config finds the installed shang" 0 pkg-config --exists shang
for h in shang_bpe_learn.h shang_cli.h shang_kernels.h shang_mem.h shang_strmap.h; do
    if [ -e "$P/include/shang/$h" ]; then notok "internal $h is not installed"; else ok "internal $h is not installed"; fi
done
nh=0
bad=""
for h in "$P"/include/shang/*.h; do
    nh=$((nh + 1))
    printf '#include <%s>\nint main(void) { return 0; }\n' "$(basename "$h")" > "$T/hdr.c"
    cc -std=c11 -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags shang) "$T/hdr.c" 2>"$T/hdr.err" ||
        bad="$bad $(basename "$h"): $(head -c 200 "$T/hdr.err")"
    for inc in $(sed -n 's/^#include "\(.*\)"/\1/p' "$h"); do
        [ -e "$P/include/shang/$inc" ] || bad="$bad $(basename "$h") includes $inc, not installed"
    done
done
if [ -z "$bad" ] && [ "$nh" -ge 20 ]; then ok "each of the $nh installed headers compiles alone (C11)"
else notok "each installed header compiles alone (C11)" "$nh headers;$bad"; fi
miss=""
for h in "$P"/include/shang/shang_*.h; do
    grep -q "^#include \"$(basename "$h")\"" "$P/include/shang/shang.h" || miss="$miss $(basename "$h")"
done
if [ -z "$miss" ]; then ok "shang.h includes every installed header"
else notok "shang.h includes every installed header" "missing:$miss"; fi

$S bpe -q -V 300 -o "$T/xtok.h5" datasets/corpus/devil.train.txt.gz
$S init -q -t "$T/xtok.h5" -L 2 -C 32 -H 4 -T 64 -o "$T/xmodel.h5"
gzip -dc datasets/corpus/devil.valid.txt.gz | head -c 20000 > "$T/xcorpus.txt"
check "the example runs against the installed library" 0 "$EX" "$T/xmodel.h5" "$T/xcorpus.txt" "$T/xst.h5" 12
cp "$out" "$T/example.out"
contains "the example prints the layer" "$T/example.out" "layer 2:"
check "the example refuses a bad K" 2 "$EX" "$T/xmodel.h5" "$T/xcorpus.txt" "$T/xbad.h5" 1
check "the example names a missing model" 1 "$EX" "$T/none.h5" "$T/xcorpus.txt" "$T/xbad.h5" 12
contains "missing model named" "$err" "none.h5"
check "the example names a missing corpus" 1 "$EX" "$T/xmodel.h5" "$T/none.txt" "$T/xbad.h5" 12
contains "missing corpus named" "$err" "none.txt"
if ls "$T"/xbad.h5* >/dev/null 2>&1; then notok "a failed extraction leaves no states file" "$(ls "$T"/xbad.h5*)"
else ok "a failed extraction leaves no states file"; fi
check "shang extract, the same corpus" 0 $S extract -q -m "$T/xmodel.h5" -o "$T/xst2.h5" "$T/xcorpus.txt"
check "the example's states equal shang extract's (all but provenance)" 0 \
    h5diff -q --exclude-path /provenance "$T/xst.h5" "$T/xst2.h5"
check "shang cluster, the last layer" 0 $S cluster -q -i "$T/xst2.h5" -k 12 --layers 2 -o "$T/xcl.h5"
check "shang alias" 0 $S alias -q -s "$T/xst2.h5" -c "$T/xcl.h5" --bootstrap 0 -o "$T/xal.h5"
$PY - "$T" > "$T/example.cmp" 2>&1 <<'PYEOF'
import sys, h5py
T = sys.argv[1]
got = {}
for line in open(T + "/example.out"):
    f = line.split("\t")
    if len(f) == 2: got[f[0]] = float(f[1])
t = h5py.File(T + "/xal.h5")["tables/layers"]
bad = [f"{k}: example {v!r}, shang alias {t[k][0]!r}" for k, v in got.items() if t[k][0] != v]
if len(got) < 6: bad.append(f"only {len(got)} statistics printed")
print("\n".join(bad) if bad else f"{len(got)} statistics equal")
sys.exit(1 if bad else 0)
PYEOF
if [ $? -eq 0 ]; then ok "the example's statistics equal shang alias's, bit for bit"
else notok "the example's statistics equal shang alias's, bit for bit" "$(cat "$T/example.cmp")"; fi
