# Drop counters of every variant in one scenario (medians over repeats).
# wgbench prepends: datafile, outbase, plottitle. Data columns:
# 1 variant, 2 softnet drops, 3 interface drops, 4 UDP buffer errors
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set yrange [0:*]
set ylabel "count per run"
set grid ytics
set title plottitle . ": drops (median per run)" noenhanced
set xtics noenhanced
set key outside right top
set terminal pngcairo size 900,420 font ",10"
set output outbase . ".png"
plot datafile using 2:xtic(1) title "softnet" lc rgb "#c0392b", \
     '' using 3 title "interfaces" lc rgb "#4878a8", \
     '' using 4 title "UDP buffers" lc rgb "#e39b3a"
set terminal svg size 900,420 dynamic font ",10"
set output outbase . ".svg"
replot
