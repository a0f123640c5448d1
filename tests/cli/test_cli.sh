# CLI tests of `shang`: help, version and kernel, usage errors (exit 2), missing or
# bad files (exit 1, naming the file), info on an artefact, and no partial output
# after a failed or killed run.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
BENCH=$BUILD/bench/bench-gemm

check "shang --help exits 0" 0 $S --help
contains "help lists verbs" "$out" "info"
contains "help documents exit status" "$out" "3  numerical failure"
check "shang with no verb exits 2" 2 $S
check "unknown verb exits 2" 2 $S frobnicate
contains "unknown verb is named" "$err" "unknown verb 'frobnicate'"

check "shang --version exits 0" 0 $S --version
contains "version names HDF5" "$out" "HDF5 1."
contains "version names GSL" "$out" "GSL 2."
contains "version names OpenBLAS" "$out" "OpenBLAS 0."
contains "version names the kernel" "$out" "BLAS kernel: "
# on a CPU with AVX2 or AVX-512 the kernel shang picks by itself (the user's
# OPENBLAS_CORETYPE taken away) must not be the generic one
if grep -qw avx2 /proc/cpuinfo; then
    check "version without OPENBLAS_CORETYPE" 0 env -u OPENBLAS_CORETYPE $S --version
    lacks "kernel is not generic on an AVX2+ CPU" "$out" "BLAS kernel: Prescott"
    # pretend OpenBLAS chose its generic kernel: shang must re-execute corrected
    check "forced generic detection still runs" 0 env -u OPENBLAS_CORETYPE SHANG_TEST_BLAS_CORENAME=Prescott $S --version
    contains "generic detection is corrected" "$out" "corrected by shang (OpenBLAS detected Prescott)"
    lacks "corrected kernel is not Prescott" "$out" "BLAS kernel: Prescott"
else
    for t in "version without OPENBLAS_CORETYPE" "kernel is not generic" "forced generic detection" \
        "generic detection is corrected" "corrected kernel is not Prescott"; do
        skip "$t" "this CPU has no AVX2: the generic kernel is the right one"
    done
fi
check "user's OPENBLAS_CORETYPE is respected" 0 env OPENBLAS_CORETYPE=Prescott $S --version
contains "user's kernel runs" "$out" "BLAS kernel: Prescott (set by OPENBLAS_CORETYPE)"

check "info --help exits 0" 0 $S info --help
contains "info help has an example" "$out" "Example:"
contains "info help has exit status" "$out" "Exit status:"
check "info unknown option exits 2" 2 $S info --bogus
contains "usage error hints at --help" "$err" "Try 'shang info --help'"
check "info without a file exits 2" 2 $S info
check "info on a missing file exits 1" 1 $S info "$T/missing.h5"
contains "missing file is named" "$err" "$T/missing.h5"
echo "plain text" > "$T/plain.txt"
check "info on a text file exits 1" 1 $S info "$T/plain.txt"
contains "text file is refused by name" "$err" "$T/plain.txt is not an HDF5 file"

# an artefact written through the library (the gemm benchmark's smoke run)
check "bench writes an artefact" 0 $BENCH --quick --max-threads 1 --out "$T/gemm.h5"
check "info on an artefact exits 0" 0 $S info "$T/gemm.h5"
contains "info shows the format" "$out" "format: shang.bench version 1"
contains "info shows the command line" "$out" "command_line: $BENCH --quick --max-threads 1 --out $T/gemm.h5"
contains "info shows the kernel" "$out" "blas_kernel: "
contains "info shows parameters" "$out" "max_threads: 1"
contains "info shows datasets" "$out" "/gflops  float64 (2,)"

# failures leave no output: an impossible path, and a killed run
check "unwritable output exits 1" 1 $BENCH --quick --max-threads 1 --out "$T/no/such/dir/g.h5"
contains "unwritable output is named" "$err" "$T/no/such/dir/g.h5"
mkdir -p "$T/kill"
$BENCH --max-threads 1 --out "$T/kill/gemm.h5" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if ls "$T/kill/" | grep -q '^gemm.h5.tmp.'; then ok "killed run was writing a temporary file"; else
    notok "killed run was writing a temporary file" "$(ls "$T/kill")"; fi
if [ -e "$T/kill/gemm.h5" ]; then notok "killed run leaves no artefact" "$T/kill/gemm.h5 exists"; else ok "killed run leaves no artefact"; fi
echo "1..$n"
