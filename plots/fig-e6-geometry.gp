# fig-e6-geometry.gp — claim under test (Ethayarajh 2019): contextual states are
# anisotropic (random pairs have high cosine), more so with depth, and a token's
# occurrences grow less alike than random pairs would suggest (adjusted
# self-similarity falls); rogue dimensions (Timkey & van Schijndel 2021) carry
# much of the cosine, and standardising removes them.
# Usage: gnuplot -c plots/fig-e6-geometry.gp OUT GEOMETRY.tsv (`shang export GEOMETRY.h5 geometry`)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
raw(c) = column("standardized") == 0 ? column(c) : NaN
std(c) = column("standardized") == 1 ? column(c) : NaN
set multiplot layout 1, 3 title "Geometry of the states by layer (solid: raw; dashed: standardised dimensions)"
set xlabel "layer"
set key top left font ",8" samplen 2
set title "cosine similarities"
set ylabel "mean cosine"
plot ARG2 using "layer":(raw("anisotropy")) with linespoints lt 1 title "anisotropy", \
     ''   using "layer":(std("anisotropy")) with linespoints lt 1 dt 2 notitle, \
     ''   using "layer":(raw("self_similarity_adj")) with linespoints lt 2 title "self-similarity - anisotropy", \
     ''   using "layer":(std("self_similarity_adj")) with linespoints lt 2 dt 2 notitle, \
     ''   using "layer":(raw("intra_doc_adj")) with linespoints lt 3 title "intra-document - anisotropy", \
     ''   using "layer":(std("intra_doc_adj")) with linespoints lt 3 dt 2 notitle
set title "rogue dimensions (raw)"
set ylabel "share"
set yrange [0:1]
plot ARG2 using "layer":(raw("top1_energy")) with linespoints lt 4 title "top dimension, of |h|^2", \
     ''   using "layer":(raw("top3_energy")) with linespoints lt 5 title "top 3, of |h|^2", \
     ''   using "layer":(raw("top1_cosine")) with linespoints lt 6 title "top dimension, of the cosine", \
     ''   using "layer":(raw("top3_cosine")) with linespoints lt 8 title "top 3, of the cosine"
set autoscale y
set title "norms (raw)"
set ylabel "|h|"
plot ARG2 using "layer":(raw("norm_mean")):(raw("norm_sd")) with yerrorlines lt 1 title "mean +- sd", \
     ''   using "layer":(raw("norm_max")) with linespoints lt 2 title "max"
unset multiplot
