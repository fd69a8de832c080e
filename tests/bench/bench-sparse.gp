# bench-sparse.gp: time and peak memory of the sparse path against the number of states
# (tests/bench/bench-sparse.sh writes the table; the figure is docs/sparse-scaling.svg)
# Render: gnuplot -e "data='scaling.tsv'" THIS.gp, or gnuplot -e "data='scaling.tsv'; term='pngcairo'; outfile='x.png'" THIS.gp
if (!exists("data")) data = "scaling.tsv"
if (!exists("term")) term = "svg"
if (!exists("outfile")) outfile = "bench-sparse.svg"
set terminal @term size 960,420 noenhanced
set output outfile
set datafile separator "\t"
set logscale xy
set grid
set key top left
set xlabel "states S"
grid(c) = strcol(1) eq "gridworld" ? column(c) : NaN
rnd(c) = strcol(1) eq "random" ? column(c) : NaN
set multiplot layout 1,2 title "starc on sparse MDPs: slippery gridworlds (lines) and random MDPs, 8 actions, 10 successors (points)"
set ylabel "user CPU time (s)"
plot data skip 1 using 2:(grid(5)) with linespoints lc 1 pt 7 title "regret", \
     ''   skip 1 using 2:(grid(8)) with linespoints lc 2 pt 5 title "STARC-VAL distance", \
     ''   skip 1 using 2:(grid(11)) with linespoints lc 3 pt 9 title "EPIC distance", \
     ''   skip 1 using 2:(rnd(5)) with points lc 1 pt 6 notitle, \
     ''   skip 1 using 2:(rnd(8)) with points lc 2 pt 4 notitle, \
     ''   skip 1 using 2:(rnd(11)) with points lc 3 pt 8 notitle
set ylabel "peak resident memory (MB)"
plot data skip 1 using 2:(grid(6)/1000) with linespoints lc 1 pt 7 title "regret", \
     ''   skip 1 using 2:(grid(9)/1000) with linespoints lc 2 pt 5 title "STARC-VAL distance", \
     ''   skip 1 using 2:(grid(12)/1000) with linespoints lc 3 pt 9 title "EPIC distance", \
     ''   skip 1 using 2:(rnd(6)/1000) with points lc 1 pt 6 notitle, \
     ''   skip 1 using 2:(rnd(9)/1000) with points lc 2 pt 4 notitle, \
     ''   skip 1 using 2:(rnd(12)/1000) with points lc 3 pt 8 notitle
unset multiplot
