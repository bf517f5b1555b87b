# Per-core CPU of every variant in one scenario, stacked like the paper's
# Figures 5 and 7. wgbench prepends: datafile, outbase, plottitle.
# Data columns: 1 label (variant:cpuN), 2 usr, 3 sys, 4 softirq, 5 irq, 6 idle
# (percent, averaged over the measured window and the repeats).
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.75
set yrange [0:100]
set ylabel "CPU %"
set grid ytics
set title plottitle . ": per-core CPU (host cores; the nodes share them)" noenhanced
set xtics rotate by -45 noenhanced font ",8"
set key outside right top
set terminal pngcairo size 1000,480 font ",10"
set output outbase . ".png"
plot datafile using 2:xtic(1) title "usr" lc rgb "#4878a8", \
     '' using 3 title "sys" lc rgb "#e39b3a", \
     '' using 4 title "softirq" lc rgb "#c0392b", \
     '' using 5 title "irq" lc rgb "#8e44ad", \
     '' using 6 title "idle" lc rgb "#dddddd"
set terminal svg size 1000,480 dynamic font ",10"
set output outbase . ".svg"
replot
