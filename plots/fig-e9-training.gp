# fig-e9-training.gp — claim under test: training is entropy reduction. The
# validation loss should pass the unigram, bigram and trigram entropies in that
# order; the weight matrices' spectra should lose entropy (effective rank,
# matrix entropy fall from their random start).
# Usage: gnuplot -c plots/fig-e9-training.gp OUT EVALS.tsv SPECTRA.tsv NGRAM.tsv MATRICES.tsv
# (SPECTRA.tsv, MATRICES.tsv: `shang export SPECTRUM.h5 training`, `... matrices`;
# each matrix is drawn relative to a Gaussian matrix of its shape and scale)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
stats ARG4 every ::0::0 using "heldout_kn" nooutput name "UNI"
stats ARG4 every ::1::1 using "heldout_kn" nooutput name "BI"
stats ARG4 every ::2::2 using "heldout_kn" nooutput name "TRI"
if (strstrt(ARG1, '.pdf') > 0) { set terminal pdfcairo enhanced font 'Helvetica,8' size 7.5in,3in } \
else { set terminal pngcairo enhanced font 'DejaVu Sans,10' size 1300,480 }
set output ARG1
set multiplot layout 1, 3 title "Training as entropy reduction (bundled model; step 0 plotted at 1)"
set logscale x
set xlabel "optimiser step"
set title "validation loss against n-gram entropies (held out)"
set ylabel "nats per token"
set key top right font ",8" samplen 2
plot ARG2 using ($1 + 1):"val_loss" with linespoints lt 1 title "model, validation loss", \
     UNI_mean with lines lt 8 dt 2 title "Kneser-Ney unigram", \
     BI_mean with lines lt 8 dt 3 title "bigram", \
     TRI_mean with lines lt 8 dt 4 title "trigram"
# one matrix's rows of the training log, divided by its random twin's values:
# step, effective rank ratio, matrix entropy ratio
ratio(m) = sprintf("< awk -F'\t' -v m='%s' 'FNR == 1 {f++} /^#/ {next} f == 1 && $1 == m {re = $8; rm = $9} f == 2 && $2 == m {print $1 \"\\t\" $3 / re \"\\t\" $4 / rm}' '%s' '%s'", m, ARG5, ARG3)
MATS = "wte wpe h0.qkv_w h0.fc_w h5.attproj_w h5.fcproj_w"
unset datafile columnheaders
set key bottom left noenhanced font ",8"
set yrange [0.3:1.05]
set title "effective rank exp H(s / sum s)"
set ylabel "ratio to the Gaussian twin (1 = random)"
plot for [i = 1:words(MATS)] ratio(word(MATS, i)) using ($1 + 1):2 with linespoints lt i title word(MATS, i), \
     1 with lines lt 8 dt 2 notitle
set title "matrix entropy H(s^2 / sum s^2) / ln n"
plot for [i = 1:words(MATS)] ratio(word(MATS, i)) using ($1 + 1):3 with linespoints lt i title word(MATS, i), \
     1 with lines lt 8 dt 2 notitle
unset multiplot
