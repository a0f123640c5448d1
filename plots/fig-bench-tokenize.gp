# fig-bench-tokenize.gp — claim: shang's GPT-2 tokenizer gives the reference JS
# encoder's ids and runs many times faster on one core.
# Usage: gnuplot -c plots/fig-bench-tokenize.gp summary.tsv out.png|out.pdf
load 'plots/common.gp'
eval set_output(ARG2)
set title "GPT-2 tokenisation of the bundled corpus (one core)"
set ylabel "MB/s"
set style data histogram
set style fill solid 0.85 border -1
set boxwidth 0.6
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set datafile columnheaders
set xtics scale 0
set key off
plot ARG1 every ::0::2 using 3:xtic(1) lt 1
