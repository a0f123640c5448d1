# fig-e8-positions.gp — claim under test: the model's uncertainty falls as its
# context grows (roughly a power law), below n-gram entropies with as much
# context; on the second copy of a repeated random sequence it collapses if the
# model has induction heads.
# Usage: gnuplot -c plots/fig-e8-positions.gp OUT POSITIONS.tsv REPEAT_POSITIONS.tsv NGRAM.tsv REPEAT.tsv
# (`shang export LENS.h5 positions`, `... repeat_positions`, `shang export NGRAM.h5 ngram`, `... repeat`)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
stats ARG5 every ::0::0 using "uniform_ce" nooutput name "UNIF"
stats ARG3 using "ctx_pos" nooutput name "RP"
half = (RP_max + 1) / 2
set multiplot layout 1, 2 title "Predictive entropy and surprisal by position (bundled model, test split; 95% intervals: bootstrap)"
set title "by position in the window, averaged"
set xlabel "position (tokens of context, <|endoftext|> included)" noenhanced
set ylabel "nats"
set logscale x
set xrange [0.8:300]
set key top right font ",8" samplen 1.5
plot ARG2 using "ctx_pos":"entropy_lo":"entropy_hi" with filledcurves lc rgb '#c6dbef' notitle, \
     ARG2 using "ctx_pos":"surprisal_lo":"surprisal_hi" with filledcurves lc rgb '#fdd0a2' fs transparent solid 0.6 notitle, \
     ARG2 using "ctx_pos":"entropy" with lines lt 1 title "entropy of p", \
     ARG2 using "ctx_pos":"surprisal" with lines lt 2 title "surprisal -ln p(next)", \
     ARG4 using ($1 > 0 ? $1 : NaN):"heldout_kn" with linespoints lt 8 dt 2 title "Kneser-Ney with n previous tokens (x = n)"
unset logscale x
set xrange [*:*]
set title sprintf("%d random frequent tokens, then the same %d again", half, half)
set xlabel "position in the sequence"
set arrow 1 from half, graph 0 to half, graph 1 nohead lt 8 dt 3
set key bottom right
plot ARG3 using "ctx_pos":"surprisal_lo":"surprisal_hi" with filledcurves lc rgb '#fdd0a2' notitle, \
     ARG3 using "ctx_pos":"entropy_lo":"entropy_hi" with filledcurves lc rgb '#c6dbef' fs transparent solid 0.6 notitle, \
     ARG3 using "ctx_pos":"entropy" with lines lt 1 title "entropy of p", \
     ARG3 using "ctx_pos":"surprisal" with lines lt 2 title "surprisal", \
     UNIF_mean with lines lt 8 dt 2 title "ln V (a uniform guess)"
unset multiplot
