# fig-e3-prediction.gp — claim under test: within a semantic state the next
# token is less uncertain than the token alone says; where in depth the cluster
# of the state predicts the future better than the token partition, and what the
# state adds to the token (H(Y|X) - H(Y|X,K)), held-out and plug-in; the
# differences are paired in every bootstrap replicate.
# Usage: gnuplot -c plots/fig-e3-prediction.gp OUT.png|OUT.pdf ALIAS.tsv K NGRAM.tsv
# (ALIAS.tsv: `shang export ALIAS.h5 layers`; NGRAM.tsv: `shang export NGRAM.h5 ngram`)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
stats ARG2 using "ce_y_given_x" nooutput name "CEX"
stats ARG2 using "h_y_given_x" nooutput name "HX"
stats ARG4 every ::2::2 using "heldout_kn" nooutput name "KN2"
stats ARG4 every ::3::3 using "heldout_kn" nooutput name "KN3"
set multiplot layout 1, 2 title sprintf("Next-token entropy: token vs state (k = %s; 95%% intervals: bootstrap over documents)", ARG3)
set xlabel "layer"
set ylabel "nats"
set key bottom left font ",7" samplen 1.5 spacing 0.9
set yrange [0.8:7.2]
set title "held-out cross-entropy (solid), plug-in (dashed)"
plot ARG2 using "layer":"ce_y_given_k":"ce_y_given_k_lo":"ce_y_given_k_hi" with yerrorlines lt 1 title "CE(Y|K)", \
     ARG2 using "layer":"ce_y_given_xk":"ce_y_given_xk_lo":"ce_y_given_xk_hi" with yerrorlines lt 3 title "CE(Y|X,K)", \
     ARG2 using "layer":"ce_y_given_xtop":"ce_y_given_xtop_lo":"ce_y_given_xtop_hi" with yerrorlines lt 4 title "CE(Y|X_k), token cut to k parts", \
     ARG2 using "layer":"rand_ce_y_given_k" with lines lt 1 dt 3 title "CE(Y|K), random partition", \
     ARG2 using "layer":"h_y_given_k" with lines lt 1 dt 2 title "H(Y|K) plug-in", \
     CEX_mean with lines lt 2 title "CE(Y|X), token", \
     HX_mean with lines lt 2 dt 2 title "H(Y|X) plug-in", \
     KN2_mean with lines lt 8 dt 4 title "Kneser-Ney, 2 previous tokens", \
     KN3_mean with lines lt 8 dt 5 title "Kneser-Ney, 3 previous tokens"
set title "state clusters vs token (paired)"
set ylabel "nats saved"
set key top left maxrows 3
set autoscale y
set offsets 0, 0, graph 0.3, 0
plot ARG2 using "layer":"adv_ce":"adv_ce_lo":"adv_ce_hi" with yerrorlines lt 1 title "CE(Y|X) - CE(Y|K)", \
     ARG2 using "layer":"adv_top_ce":"adv_top_ce_lo":"adv_top_ce_hi" with yerrorlines lt 4 title "CE(Y|X_k) - CE(Y|K), same size", \
     ARG2 using "layer":"gain_ce":"gain_ce_lo":"gain_ce_hi" with yerrorlines lt 3 title "CE(Y|X) - CE(Y|X,K)", \
     0 with lines lt 8 dt 2 notitle
unset multiplot
