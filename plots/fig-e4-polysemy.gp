# fig-e4-polysemy.gp — claim under test: a static embedding cannot tell a word's
# senses apart (layer 0 at chance on WiC-style pairs); context should make them
# separable in some layers. Decoder-only LMs peak in lower-middle layers (Llama2-7B
# WiC 0.684 at layer 7 of 32).
# Usage: gnuplot -c plots/fig-e4-polysemy.gp OUT ALL.tsv SAME_FORM.tsv STANDARDIZED.tsv
# (`shang export SENSES.h5 layers` of shang senses, --same-form, --standardize)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
set multiplot layout 1, 2 title "Polysemy by layer (95% intervals: bootstrap over lemmas)"
set xlabel "layer"
set key top right font ",8" samplen 2
set title "WiC-style accuracy (balanced pairs; chance 0.5)"
set ylabel "test accuracy"
set yrange [0.4:0.75]
plot ARG2 using "layer":"wic":"wic_lo":"wic_hi" with yerrorlines lt 1 title "all pairs", \
     ARG3 using "layer":"wic":"wic_lo":"wic_hi" with yerrorlines lt 2 title "same target token", \
     ARG4 using "layer":"wic":"wic_lo":"wic_hi" with yerrorlines lt 3 title "all pairs, standardised", \
     ARG2 using "layer":"wic_coarse":"wic_coarse_lo":"wic_coarse_hi" with yerrorlines lt 4 title "lexicographer files", \
     0.5 with lines lt 8 dt 2 title "chance"
set title "leave-one-out nearest-centroid sense"
set ylabel "accuracy"
set yrange [0:*]
set key bottom right
plot ARG2 using "layer":"nc":"nc_lo":"nc_hi" with yerrorlines lt 1 title "nearest centroid", \
     ARG2 using "layer":"mfs":"mfs_lo":"mfs_hi" with yerrorlines lt 8 dt 2 title "most frequent sense", \
     ARG2 using "layer":"nc_coarse":"nc_coarse_lo":"nc_coarse_hi" with yerrorlines lt 4 title "nearest centroid, lexicographer files", \
     ARG2 using "layer":"mfs_coarse" with lines lt 4 dt 2 title "most frequent file"
unset multiplot
