# fig-e7-logit-lens.gp — claim under test: the residual stream is lifted into a
# latent space, evolved, and projected back; read out early (the logit lens), a
# layer's guess drifts toward the model's: KL(p || q_l) falls to 0 at the top,
# early layers guess frequent tokens, and agreement with the model's top-1 rises.
# Usage: gnuplot -c plots/fig-e7-logit-lens.gp OUT.png|OUT.pdf LAYERS.tsv
# (LAYERS.tsv: `shang export LENS.h5 layers`)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
stats ARG2 using "unigram_entropy" nooutput name "UNI"
set multiplot layout 1, 2 title "The logit lens, q_l = softmax(W_U LN_f(h_l)) (bundled model, test split; 95% intervals: bootstrap over documents)"
set xlabel "layer (0 = embeddings; the last is the model)"
set xtics 1
set key top right font ",8" samplen 1.5
set title "entropies and divergence (nats)"
set ylabel "nats"
set logscale y
set yrange [0.1:40]
plot ARG2 using "layer":"ce":"ce_lo":"ce_hi" with yerrorlines lt 4 title "cross-entropy -ln q_l(next)", \
     ARG2 using "layer":"entropy":"entropy_lo":"entropy_hi" with yerrorlines lt 1 title "entropy H(q_l)", \
     ARG2 using ($1 < UNI_records - 1 ? $1 : NaN):"kl":"kl_lo":"kl_hi" with yerrorlines lt 2 title "KL(p || q_l)", \
     UNI_mean with lines lt 8 dt 2 title "unigram entropy of the next token"
unset logscale y
set title "what the layer's top-1 guess is"
set ylabel "share of positions"
set yrange [0:1.45]
set ytics 0, 0.2, 1
set key top left
plot ARG2 using "layer":"agree":"agree_lo":"agree_hi" with yerrorlines lt 1 title "the model's top-1", \
     ARG2 using "layer":"top10":"top10_lo":"top10_hi" with yerrorlines lt 6 title "the model's top-1 in its top 10", \
     ARG2 using "layer":"accuracy":"accuracy_lo":"accuracy_hi" with yerrorlines lt 4 title "the true next token", \
     ARG2 using "layer":"input":"input_lo":"input_hi" with yerrorlines lt 2 title "the input token itself"
unset multiplot
