#!/bin/sh
# summary.sh ALIAS_LAYERS.tsv SENSES_LAYERS.tsv LENS_LAYERS.tsv — the demo's
# per-layer table from three exported tables (columns found by name).
set -eu
# col FILE NAME: "layer<TAB>value" per data line, the value with 3 decimals
col() {
    awk -F'\t' -v c="$2" '
        /^#/ { next }
        !h { for (i = 1; i <= NF; i++) { if ($i == c) k = i; if ($i == "layer") l = i }; h = 1; next }
        { printf "%s\t%.3f\n", $l, $k }' "$1"
}
# ci FILE NAME: "+0.27 ± 0.05" from NAME, NAME_lo, NAME_hi
ci() {
    awk -F'\t' -v c="$2" '
        /^#/ { next }
        !h { for (i = 1; i <= NF; i++) { if ($i == c) k = i; if ($i == c "_lo") lo = i; if ($i == c "_hi") hi = i; if ($i == "layer") l = i }; h = 1; next }
        { printf "%s\t%+.2f ± %.2f\n", $l, $k, ($hi - $lo) / 2 }' "$1"
}
t=$(mktemp -d)
col "$1" h_k_given_x > "$t/a"
col "$1" h_x_given_k > "$t/b"
ci "$1" adv_ce_t > "$t/c"
ci "$1" gain_ce_t > "$t/g"
col "$2" wic > "$t/d"
col "$3" kl > "$t/e"
col "$3" ce > "$t/f"
echo
echo "shang demo: the bundled model on unseen text, layer by layer (nats; ± is the 95% half-width)"
echo
printf '%-6s %-9s %-9s %-17s %-19s %-10s %-9s %-9s\n' layer 'H(K|X)' 'H(X|K)' 'CE(Y|X)-CE(Y|K)' 'CE(Y|X)-CE(Y|X,K)' 'WiC acc.' 'lens KL' 'lens CE'
for f in a b c g d e f; do LC_ALL=C sort -t '	' -k1,1 "$t/$f" > "$t/$f.s"; done # join wants text order
LC_ALL=C join -t '	' "$t/a.s" "$t/b.s" | LC_ALL=C join -t '	' - "$t/c.s" | LC_ALL=C join -t '	' - "$t/g.s" |
    LC_ALL=C join -t '	' - "$t/d.s" | LC_ALL=C join -t '	' - "$t/e.s" | LC_ALL=C join -t '	' - "$t/f.s" | sort -n |
    awk -F'\t' '{ printf "%-6s %-9s %-9s %-17s %-19s %-10s %-9s %-9s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
echo
echo "H(K|X): one-to-many aliasing (how many state clusters one token spreads over), k = 256"
echo "H(X|K): many-to-one aliasing (how many tokens one cluster gathers)"
echo "CE(Y|X)-CE(Y|K): next-token cross-entropy saved by knowing the cluster instead of the token (held out;"
echo "  PCA, k-means and every smoother fitted on training documents only, smoothing tuned by cross-validation)"
echo "CE(Y|X)-CE(Y|X,K): what the cluster adds to the token (the same estimator)"
echo "WiC acc.: same sense or not, from the cosine of two uses of one word form (chance 0.5)"
echo "lens KL, CE: KL(model || layer read out through the unembedding) and its cross-entropy"
rm -rf "$t"
