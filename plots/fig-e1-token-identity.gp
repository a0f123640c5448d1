# fig-e1-token-identity.gp — claim under test (Voita et al. 2019, causal LM):
# with depth the states forget the input token (I(X;K) falls) and learn about
# the next one (I(Y;K) rises). Balanced sample; dashed: random partition of the
# same sizes; open symbols: Voita's 6-layer LM at layers 0 and 6.
# Usage: gnuplot -c plots/fig-e1-token-identity.gp OUT K1 A1.tsv [K2 A2.tsv [K3 A3.tsv]]
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
n = (ARGC - 1) / 2
file(i) = i == 1 ? ARG3 : i == 2 ? ARG5 : ARG7
kk(i) = i == 1 ? ARG2 : i == 2 ? ARG4 : ARG6
set multiplot layout 1, 2 title "Token identity across layers (balanced sample; 95% intervals: bootstrap over documents; dashed: random partition)"
set xlabel "layer"
set ylabel "nats"
set key bottom left font ",8" samplen 2
set yrange [0:*]
set title "I(X;K): the current token"
set label 1 "Voita 2019" at 0.2, 5.30 font ",8" tc rgb '#666666'
plot for [i=1:n] file(i) using "layer":"mi_xk":"mi_xk_lo":"mi_xk_hi" with yerrorlines lt i title sprintf("k = %s", kk(i)), \
     for [i=1:n] file(i) using "layer":"rand_mi_xk" with lines lt i dt 2 notitle, \
     '-' using 1:2 with points pt 6 ps 1.4 lc rgb '#666666' title "Voita 2019 (6-layer LM)"
0	5.30
6	3.97
e
unset label 1
set title "I(Y;K): the next token"
set key bottom right
set yrange [0:*]
plot for [i=1:n] file(i) using "layer":"mi_yk":"mi_yk_lo":"mi_yk_hi" with yerrorlines lt i title sprintf("k = %s", kk(i)), \
     for [i=1:n] file(i) using "layer":"rand_mi_yk" with lines lt i dt 2 notitle, \
     '-' using 1:2 with points pt 6 ps 1.4 lc rgb '#666666' title "Voita 2019"
0	1.82
6	2.35
e
unset multiplot
