# fig-e8-texts.gp — claim under test: predictive entropy spikes where the text
# turns unpredictable ("the winner is ...") and drops where the next token is
# forced (punctuation, the rest of a word); the logit lens shows at which layer
# each position's uncertainty settles.
# Usage: gnuplot -c plots/fig-e8-texts.gp OUT TRACE.tsv DOC
# (TRACE.tsv: `shang export LENS.h5 trace`; DOC: the document to draw)
load 'plots/common.gp'
eval set_output(ARG1)
if (strstrt(ARG1, '.pdf') > 0) { set terminal pdfcairo enhanced font 'Helvetica,8' size 7in,4.4in } \
else { set terminal pngcairo enhanced font 'DejaVu Sans,10' size 1300,800 }
set output ARG1
set datafile columnheaders
stats ARG2 using "layer" nooutput name "LAY"
top = int(LAY_max)
# the header (after the provenance lines), then the document's rows
sel = sprintf("< awk -F'\t' '/^#/ {next} !h {print; h = 1; next} $1 == %s' '%s'", ARG3, ARG2)
last = sprintf("< awk -F'\t' '/^#/ {next} !h {print; h = 1; next} $1 == %s && $4 == %d' '%s'", ARG3, top, ARG2)
stats last using "pos" nooutput name "POS"
set xrange [-0.5:POS_max + 0.5]
set multiplot layout 2, 1 title "Along one text: the model's entropy and surprisal, and every layer's read-out"
set lmargin 8
set rmargin 10
set title "the model (last layer): entropy of p and surprisal of the next token; x labels: the token read, ticks: next is punctuation"
set ylabel "nats"
set xtics rotate by 60 right font ",8" noenhanced
set key top left font ",8"
set yrange [0:*]
plot last using "pos":"entropy":xtic(stringcolumn("token_text")) with linespoints lt 1 title "entropy of p", \
     last using "pos":"ce" with linespoints lt 2 title "surprisal -ln p(next)", \
     last using "pos":(column("next_punct") > 0 ? 0.3 : NaN) with points lt 8 pt 9 ps 1.2 title "the next token is punctuation"
set title "every layer (logit lens): entropy of q_l, by position (x as above)"
set ylabel "layer"
set xlabel "position in the text"
set xtics norotate font ",8"
set ytics 1
set yrange [-0.5:top + 0.5]
unset key
set cbrange [0:*]
set cblabel "nats"
set palette defined (0 '#f7fbff', 1 '#6baed6', 2 '#08306b')
plot sel using "pos":"layer":"entropy" with image notitle
unset multiplot
