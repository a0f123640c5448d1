# fig-e5-paraphrase.gp — claim under test (many-to-one aliasing): different token
# sequences with one meaning (KJV vs WEB renderings of a verse) should converge in
# the lifted space: their states grow more alike than those of unrelated verses.
# Usage: gnuplot -c plots/fig-e5-paraphrase.gp OUT PARAPHRASE.tsv (`shang export ... paraphrase`)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
set multiplot layout 1, 2 title "Archaic vs modern verse pairs by layer (95% intervals: bootstrap over verses)"
set xlabel "layer"
set key bottom left font ",8" samplen 2
set title "cosine of the two renderings"
set ylabel "mean cosine"
set yrange [0:1]
plot ARG2 using "layer":"aligned":"aligned_lo":"aligned_hi" with yerrorlines lt 1 title "aligned, mean-pooled", \
     ARG2 using "layer":"shuffled":"shuffled_lo":"shuffled_hi" with yerrorlines lt 1 dt 2 title "shuffled, mean-pooled", \
     ARG2 using "layer":"aligned_last":"aligned_last_lo":"aligned_last_hi" with yerrorlines lt 2 title "aligned, last token", \
     ARG2 using "layer":"shuffled_last":"shuffled_last_lo":"shuffled_last_hi" with yerrorlines lt 2 dt 2 title "shuffled, last token"
set title "retrieval: is the partner the nearest verse?"
set ylabel "accuracy at rank 1"
set key top right
plot ARG2 using "layer":"retrieval":"retrieval_lo":"retrieval_hi" with yerrorlines lt 1 title "mean-pooled", \
     ARG2 using "layer":"retrieval_last":"retrieval_last_lo":"retrieval_last_hi" with yerrorlines lt 2 title "last token"
unset multiplot
