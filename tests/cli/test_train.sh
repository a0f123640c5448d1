# CLI tests of `shang train`: usage errors, a short run whose log and spectra h5py
# reads, train N == train N/2 + resume + N/2 (bit for bit, through the command
# line and a checkpoint file), and SIGTERM leaving a checkpoint, not a model.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
PY=/usr/bin/python3
TR=datasets/corpus/devil.train.txt.gz
VA=datasets/corpus/devil.valid.txt.gz
$S bpe -q -V 300 -o "$T/tok.h5" $TR
ARGS="-t $T/tok.h5 -L 2 -C 32 -H 4 -T 32 --batch 4 --warmup 2 --eval-every 4 --eval-tokens 256 --spectra 4 --threads 2 --train $TR --valid $VA"

check "train --help" 0 $S train --help
contains "help documents resume" "$out" "--resume"
check "train without data" 2 $S train -t "$T/tok.h5" -o "$T/m.h5"
check "train with both --tokenizer and --init" 2 $S train -t "$T/tok.h5" --init "$T/tok.h5" --train $TR --valid $VA -o "$T/m.h5"
check "train --resume without --checkpoint" 2 $S train $ARGS --resume -o "$T/m.h5"
check "train with min-lr above lr" 2 $S train $ARGS --lr 1e-3 --min-lr 1e-2 -o "$T/m.h5"
check "train with a missing corpus file" 1 $S train -q -t "$T/tok.h5" --train "$T/none.txt" --valid $VA -o "$T/m.h5"
contains "missing corpus is named" "$err" "$T/none.txt"

check "train 12 steps" 0 $S train -q $ARGS --steps 12 -o "$T/full.h5"
# the same run with a checkpoint every 6 steps: the file is left at step 6
check "train 12 steps, checkpoint at 6" 0 $S train -q $ARGS --steps 12 --checkpoint "$T/ck.h5" --ckpt-every 6 -o "$T/half.h5"
$PY - "$T/ck.h5" "$T/ck6.txt" <<'PY'
import sys, h5py
print(int(h5py.File(sys.argv[1])["optimizer"].attrs["step"]), file=open(sys.argv[2], "w"))
PY
contains "the checkpoint is at step 6" "$T/ck6.txt" "6"
cp "$T/ck.h5" "$T/ck-a.h5"
cp "$T/ck.h5" "$T/ck-b.h5"
cp "$T/ck.h5" "$T/ck-c.h5"
check "resume with another --seed" 2 $S train -q $ARGS --seed 7 --steps 12 --checkpoint "$T/ck-a.h5" --resume -o "$T/x.h5"
contains "the seed conflict is explained" "$err" "--seed 7, but the checkpoint's run has seed 42"
check "resume with another -L" 2 $S train -q $ARGS -L 3 --steps 12 --checkpoint "$T/ck-b.h5" --resume -o "$T/x.h5"
contains "the shape conflict is explained" "$err" "-L 3, but the checkpoint $T/ck-b.h5 has 2"
check "resume with another -T" 2 $S train -q $ARGS -T 48 --steps 12 --checkpoint "$T/ck-b.h5" --resume -o "$T/x.h5"
contains "the context conflict is explained" "$err" "-T 48, but the checkpoint $T/ck-b.h5 has 32"
check "resume with a new --lr" 0 $S train -q $ARGS --lr 5e-4 --steps 12 --checkpoint "$T/ck-c.h5" --ckpt-every 6 --resume -o "$T/lr.h5"
$PY - "$T/lr.h5" > "$T/lr.txt" <<'PY'
import sys, h5py
a = h5py.File(sys.argv[1])["provenance/parameters"].attrs
print(a["setting_changes"], "| resumed at", a["resumed_at_step"])
PY
contains "the change of --lr is recorded with its step" "$T/lr.txt" "lr 0.001 -> 0.00050000000000000001 at step 6 | resumed at 6"
check "resume from step 6 to 12" 0 $S train -q $ARGS --steps 12 --checkpoint "$T/ck.h5" --ckpt-every 6 --resume -o "$T/resumed.h5"
$PY - "$T/full.h5" "$T/resumed.h5" > "$T/same.txt" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
same = all(np.array_equal(a["weights/" + k][...], b["weights/" + k][...]) for k in a["weights"])
steps_a, steps_b = a["training/steps"][...], b["training/steps"][...]
same &= np.array_equal(steps_a[:, :4], steps_b[:, :4])  # step, loss, lr, grad norm (not tokens/s)
print("identical" if same else "different")
PY
contains "12 steps == 6 + resume + 6, bit for bit" "$T/same.txt" "identical"

$PY - "$T/full.h5" > "$T/log.txt" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
s, e, sp = f["training/steps"], f["training/evals"], f["training/spectra"]
ok = (s.shape == (12, 5) and list(s.attrs["columns"]) == ["step", "loss", "lr", "grad_norm", "tokens_per_s"]
      and e.shape[0] == 4 and e[0, 0] == 0 and e[-1, 0] == 12 and sp[0, 0] == 0
      and sp.shape[1] == 1 + 3 * (2 + 4 * 2) and len(f["training"].attrs["matrices"]) == 10
      and np.all(np.isfinite(s[...])) and f["training"].attrs["units"] == "nats"
      and 0 < sp[0, 1] <= 32)  # effective rank of wte (300 x 32) at step 0
print("log ok" if ok else "log wrong %s %s %s" % (s.shape, e.shape, sp.shape))
PY
contains "h5py reads the training log and spectra" "$T/log.txt" "log ok"
check "generate from the trained model" 0 $S generate -q -m "$T/full.h5" -n 5
check "loss of the trained model" 0 $S loss -q -m "$T/full.h5" --ctx 16 $VA
awk -F'\t' 'NR == 2 && $1 > 1000 && $2 > 0 && $2 < 6 && $3 > 0 { print "loss ok" }' "$out" > "$T/loss.txt"
contains "loss reports tokens, nats, entropy" "$T/loss.txt" "loss ok"
check "loss without files" 2 $S loss -m "$T/full.h5"
check "ngram baselines" 0 $S ngram -q -t "$T/tok.h5" --train $TR --eval $VA --max-context 2
awk -F'\t' 'NR == 2 { h0 = $2 } NR == 3 { h1 = $2 } END { if (h0 > h1 && h1 > 0) print "ngram ok" }' "$out" > "$T/ng.txt"
contains "a bigram beats a unigram on held-out text" "$T/ng.txt" "ngram ok"
check "ngram with a bad --max-context" 2 $S ngram -t "$T/tok.h5" --train $TR --eval $VA --max-context 99

# SIGTERM: a checkpoint is written, no model, exit 1
rm -f "$T/sig.h5" "$T/sigck.h5"
$S train -q $ARGS --steps 100000 --checkpoint "$T/sigck.h5" --ckpt-every 100000 -o "$T/sig.h5" 2> "$T/sig.err" &
pid=$!
sleep 4
kill -TERM $pid
wait $pid
st=$?
if [ "$st" -eq 1 ]; then ok "SIGTERM exits 1"; else notok "SIGTERM exits 1" "exit $st"; fi
contains "SIGTERM is reported" "$T/sig.err" "stopped by signal 15"
if [ -e "$T/sigck.h5" ] && [ ! -e "$T/sig.h5" ]; then ok "SIGTERM leaves a checkpoint and no model"; else notok "SIGTERM leaves a checkpoint and no model"; fi
echo "1..$n"
