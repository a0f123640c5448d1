# fig-e3-prediction.gp — does the state's cluster predict the next token better
# than the token, and what does it add to the token? Held-out cross-entropies
# with every smoother tuned by cross-validation on training documents (PCA and
# k-means fitted on them too), by layer; the differences paired in every
# bootstrap replicate, and the whole chain repeated under two more seeds (another
# split, folds, k-means starts and replicates).
# Usage: gnuplot -c plots/fig-e3-prediction.gp OUT.png|OUT.pdf ALIAS.tsv K NGRAM.tsv SEED2.tsv SEED3.tsv
# (ALIAS.tsv, SEEDn.tsv: `shang export ALIAS.h5 layers`; NGRAM.tsv: `shang export NGRAM.h5 ngram`)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
stats ARG2 using "ce_t_y_given_x" nooutput name "CEX"
stats ARG2 using "ce_t_y" nooutput name "CEY"
stats ARG4 every ::2::2 using "heldout_kn" nooutput name "KN2"
stats ARG4 every ::3::3 using "heldout_kn" nooutput name "KN3"
set multiplot layout 1, 2 title sprintf("Next token: token vs state (k = %s; tuned smoothing; 95%% intervals: bootstrap over document groups)", ARG3)
set xlabel "layer"
set ylabel "nats"
set key bottom left font ",7" samplen 1.5 spacing 0.9
set yrange [4.3:7.2]
set title "held-out cross-entropy"
plot ARG2 using "layer":"ce_t_y_given_k":"ce_t_y_given_k_lo":"ce_t_y_given_k_hi" with yerrorlines lt 1 title "CE(Y|K)", \
     ARG2 using "layer":"ce_t_y_given_xk_via_x":"ce_t_y_given_xk_via_x_lo":"ce_t_y_given_xk_via_x_hi" with yerrorlines lt 3 title "CE(Y|X,K), back-off to X", \
     ARG2 using "layer":"ce_y_given_k" with lines lt 1 dt 3 title "CE(Y|K), add-alpha 0.1 (shipped before)", \
     CEX_mean with lines lt 2 title "CE(Y|X), token", \
     CEY_mean with lines lt 8 title "CE(Y), unigram", \
     ARG2 using "layer":"ce_t_y_given_x_prev" with lines lt 4 title "CE(Y|X,P), token and the one before", \
     KN2_mean with lines lt 8 dt 4 title "Kneser-Ney, 2 previous tokens", \
     KN3_mean with lines lt 8 dt 5 title "Kneser-Ney, 3 previous tokens"
set title "paired differences; three seeds"
set ylabel "nats"
set key top left maxrows 7 font ",7" samplen 1.5 spacing 0.9
set autoscale y
set offsets 0, 0, graph 0.6, 0
plot ARG2 using "layer":"adv_ce_t":"adv_ce_t_lo":"adv_ce_t_hi" with yerrorlines lt 1 title "CE(Y|X) - CE(Y|K)", \
     ARG5 using ($1+0.08):"adv_ce_t":"adv_ce_t_lo":"adv_ce_t_hi" with yerrorbars lt 1 pt 6 title "  other seeds", \
     ARG6 using ($1+0.16):"adv_ce_t":"adv_ce_t_lo":"adv_ce_t_hi" with yerrorbars lt 1 pt 6 notitle, \
     ARG2 using "layer":"gain_ce_t":"gain_ce_t_lo":"gain_ce_t_hi" with yerrorlines lt 3 title "CE(Y|X) - CE(Y|X,K): what K adds to X", \
     ARG5 using ($1+0.08):"gain_ce_t":"gain_ce_t_lo":"gain_ce_t_hi" with yerrorbars lt 3 pt 6 title "  other seeds", \
     ARG6 using ($1+0.16):"gain_ce_t":"gain_ce_t_lo":"gain_ce_t_hi" with yerrorbars lt 3 pt 6 notitle, \
     ARG2 using "layer":"gain_ce_t_prev":"gain_ce_t_prev_lo":"gain_ce_t_prev_hi" with yerrorlines lt 4 title "CE(Y|X) - CE(Y|X,P): what the previous token adds", \
     ARG2 using "layer":"adv_ce" with lines lt 1 dt 3 title "CE(Y|X) - CE(Y|K), add-alpha 0.1", \
     0 with lines lt 8 dt 2 notitle
unset multiplot
