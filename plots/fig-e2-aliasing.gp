# fig-e2-aliasing.gp — claim: the token projection aliases the states both ways,
# and how much changes with depth: one-to-many H(K|X) and many-to-one H(X|K) per
# layer for several k, against a random partition with the same cluster sizes,
# with AMI (chance-corrected) and I(Y;K) (what the cluster says of the next token).
# Usage: gnuplot -c plots/fig-e2-aliasing.gp OUT.png|OUT.pdf K1 A1.tsv [K2 A2.tsv [K3 A3.tsv]]
# (A*.tsv: `shang export ALIAS.h5 layers`; K*: the k of each, for the key)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
n = (ARGC - 1) / 2
file(i) = i == 1 ? ARG3 : i == 2 ? ARG5 : ARG7
kk(i) = i == 1 ? ARG2 : i == 2 ? ARG4 : ARG6
set multiplot layout 2, 2 title "Aliasing by layer (95% intervals: bootstrap over documents; dashed: random partition, same sizes)"
set xlabel "layer"
set key top left font ",8" samplen 2
set ylabel "H(K|X), nats"
set title "one-to-many: one token, several states"
plot for [i=1:n] file(i) using "layer":"h_k_given_x":"h_k_given_x_lo":"h_k_given_x_hi" with yerrorlines lt i title sprintf("k = %s", kk(i)), \
     for [i=1:n] file(i) using "layer":"rand_h_k_given_x" with lines lt i dt 2 notitle
set ylabel "H(X|K), nats"
set title "many-to-one: one state, several tokens"
plot for [i=1:n] file(i) using "layer":"h_x_given_k":"h_x_given_k_lo":"h_x_given_k_hi" with yerrorlines lt i title sprintf("k = %s", kk(i)), \
     for [i=1:n] file(i) using "layer":"rand_h_x_given_k" with lines lt i dt 2 notitle
set ylabel "AMI(X, K)"
set title "token identity kept in the clusters (chance-corrected)"
set yrange [0:*]
plot for [i=1:n] file(i) using "layer":"ami" with linespoints lt i title sprintf("k = %s", kk(i))
set ylabel "I(Y;K), nats"
set title "next token told by the cluster (dashed: shuffled)"
plot for [i=1:n] file(i) using "layer":"mi_yk":"mi_yk_lo":"mi_yk_hi" with yerrorlines lt i title sprintf("k = %s", kk(i)), \
     for [i=1:n] file(i) using "layer":"shuf_mi_yk" with lines lt i dt 2 notitle
unset multiplot
