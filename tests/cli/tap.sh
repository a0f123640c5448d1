# tap.sh — a few TAP helpers for the CLI tests (sourced).
# check NAME EXPECTED_STATUS COMMAND...: runs COMMAND, keeps stdout in $out and
# stderr in $err, and reports ok / not ok on the exit status.
n=0
out="$SHANG_TEST_TMP/cli.out"
err="$SHANG_TEST_TMP/cli.err"
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() {
    name=$1 want=$2
    shift 2
    "$@" >"$out" 2>"$err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"; else
        notok "$name" "exit $got, expected $want: $*" "stderr: $(head -c 400 "$err")"
    fi
}
# contains NAME FILE TEXT: FILE has the fixed string TEXT
contains() {
    if grep -qF -- "$3" "$2"; then ok "$1"; else notok "$1" "'$3' not in: $(head -c 400 "$2")"; fi
}
lacks() {
    if grep -qF -- "$3" "$2"; then notok "$1" "'$3' unexpectedly in $2"; else ok "$1"; fi
}
# skip NAME REASON: a test that cannot run here (counted apart by tests/run, never as a pass)
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
