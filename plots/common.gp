# common.gp — what every figure shares: terminal, size, fonts, palette.
# Usage in a figure:  load 'plots/common.gp'; eval set_output(ARG2)
# The palette is Okabe & Ito's colour-blind-safe set (Okabe, Ito 2008).

okabe_black  = '#000000'
okabe_orange = '#E69F00'
okabe_sky    = '#56B4E9'
okabe_green  = '#009E73'
okabe_yellow = '#F0E442'
okabe_blue   = '#0072B2'
okabe_red    = '#D55E00'
okabe_purple = '#CC79A7'

set linetype 1 lc rgb okabe_blue   lw 2 pt 7 ps 0.8
set linetype 2 lc rgb okabe_orange lw 2 pt 5 ps 0.8
set linetype 3 lc rgb okabe_green  lw 2 pt 9 ps 0.9
set linetype 4 lc rgb okabe_red    lw 2 pt 11 ps 0.9
set linetype 5 lc rgb okabe_purple lw 2 pt 13 ps 0.9
set linetype 6 lc rgb okabe_sky    lw 2 pt 4 ps 0.8
set linetype 7 lc rgb okabe_yellow lw 2 pt 6 ps 0.8
set linetype 8 lc rgb okabe_black  lw 2 pt 8 ps 0.8
set linetype cycle 8

set border 3 lw 1
set tics nomirror out
set grid lc rgb '#dddddd' lw 1
set key top right noautotitle box opaque
set datafile separator "\t"
set datafile commentschars "#"

# set_output(path): PNG (README) or PDF (papers) chosen by the file extension
set_output(path) = sprintf( \
  "if (strstrt('%s', '.pdf') > 0) { set terminal pdfcairo enhanced font 'Helvetica,9' size 5in,3.2in } " . \
  "else { set terminal pngcairo enhanced font 'DejaVu Sans,11' size 900,560 }; set output '%s'", \
  path, path)
