# fig-e4-scatter.gp — one lemma's sentences on their own first two principal
# components, layer by layer, coloured by WordNet lexicographer file (coarse
# sense): do the senses separate anywhere in depth?
# Usage: gnuplot -c plots/fig-e4-scatter.gp OUT SCATTER.tsv LEMMA (`shang export SENSES.h5 scatter`; LEMMA e.g. play/v)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
set multiplot layout 2, 4 title sprintf("'%s': its sentences per layer on their first two principal components (colour: lexicographer file)", ARG3)
unset key
unset colorbox
set palette defined (0 okabe_blue, 1 okabe_orange, 2 okabe_green, 3 okabe_red, 4 okabe_purple, 5 okabe_sky, 6 okabe_yellow, 7 okabe_black)
set cbrange [0:7]
set xtics format ""
set ytics format ""
set grid
do for [L=0:6] {
    set title sprintf("layer %d", L) offset 0, -0.5
    plot ARG2 using ((column("layer") == L && strcol("lemma") eq ARG3) ? column("x") : NaN):"y":(int(column("lexfile_index")) % 8) with points pt 7 ps 0.8 lc palette
}
unset multiplot
