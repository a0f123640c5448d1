# fig-e5-synonymy.gp — claim under test (many-to-one aliasing): two different
# words of one meaning, each in its own sentence, should have more similar states
# than unrelated words; antonyms (distributionally alike, opposite in meaning)
# are the hard control.
# Usage: gnuplot -c plots/fig-e5-synonymy.gp OUT SYNONYMS.tsv (`shang export ... synonyms`)
load 'plots/common.gp'
eval set_output(ARG1)
set datafile columnheaders
set title "Synonyms in their own sentences by layer (95% intervals: bootstrap over synsets)"
set xlabel "layer"
set ylabel "mean cosine"
set key top right font ",9" samplen 2
plot ARG2 using "layer":"synonyms":"synonyms_lo":"synonyms_hi" with yerrorlines lt 1 title "synonym pairs", \
     ARG2 using "layer":"antonyms":"antonyms_lo":"antonyms_hi" with yerrorlines lt 4 title "antonym pairs", \
     ARG2 using "layer":"random":"random_lo":"random_hi" with yerrorlines lt 8 title "random pairs"
