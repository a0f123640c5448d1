# fig-e9-training.gp — claim under test: training is entropy reduction. The
# validation loss should pass the unigram, bigram and trigram entropies in that
# order; the weight matrices' spectra should lose entropy (effective rank,
# matrix entropy fall from their random start).
# Usage: gnuplot -c plots/fig-e9-training.gp OUT EVALS.tsv SPECTRA.tsv NGRAM.tsv
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
stats ARG4 every ::0::0 using "heldout_kn" nooutput name "UNI"
stats ARG4 every ::1::1 using "heldout_kn" nooutput name "BI"
stats ARG4 every ::2::2 using "heldout_kn" nooutput name "TRI"
set multiplot layout 1, 2 title "Training as entropy reduction (bundled model; step 0 plotted at 1)"
set logscale x
set xlabel "optimiser step"
set title "validation loss against n-gram entropies (held out)"
set ylabel "nats per token"
set key top right font ",8" samplen 2
plot ARG2 using ($1 + 1):"val_loss" with linespoints lt 1 title "model, validation loss", \
     UNI_mean with lines lt 8 dt 2 title "Kneser-Ney unigram", \
     BI_mean with lines lt 8 dt 3 title "bigram", \
     TRI_mean with lines lt 8 dt 4 title "trigram"
set title "matrix entropy of the weights (1 = flat spectrum)"
set ylabel "H(s^2 / sum s^2) / ln n"
set key bottom left noenhanced
sel(m) = strcol("matrix") eq m ? column("matrix_entropy") : NaN
plot ARG3 using ($1 + 1):(sel("wte")) with linespoints lt 1 title "wte", \
     ''   using ($1 + 1):(sel("wpe")) with linespoints lt 2 title "wpe", \
     ''   using ($1 + 1):(sel("h0.qkv_w")) with linespoints lt 3 title "h0.qkv_w", \
     ''   using ($1 + 1):(sel("h0.fc_w")) with linespoints lt 4 title "h0.fc_w", \
     ''   using ($1 + 1):(sel("h5.attproj_w")) with linespoints lt 5 title "h5.attproj_w", \
     ''   using ($1 + 1):(sel("h5.fcproj_w")) with linespoints lt 6 title "h5.fcproj_w"
unset multiplot
