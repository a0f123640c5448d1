# fig-bench-gemm.gp — claim: with the kernel shang selects, sgemm at the
# Transformer's linear-layer shapes runs several times faster than under
# OpenBLAS's generic fallback kernel, on one core and on two.
# Usage: gnuplot -c plots/fig-bench-gemm.gp gemm-wide.tsv out.png|out.pdf
# (columns: shape, shang_1, shang_2, generic_1, generic_2; written by
# experiments/bench/gemm/run)
load 'plots/common.gp'
eval set_output(ARG2)
set title "sgemm at M = 4096: shang's kernel vs OpenBLAS generic"
set ylabel "GFLOP/s"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -35 scale 0
set yrange [0:*]
set offsets 0, 0, graph 0.25, 0
set datafile columnheaders
set key top left
plot ARG1 using 2:xtic(1) title "shang kernel, 1 thread" lt 1, \
     ''   using 3 title "shang kernel, 2 threads" lt 3, \
     ''   using 4 title "generic, 1 thread" lt 2, \
     ''   using 5 title "generic, 2 threads" lt 4
