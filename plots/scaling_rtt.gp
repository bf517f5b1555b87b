# Latency against a swept parameter: the latency probe's RTT through the
# tunnel under load, p50 and p99 (medians over the repeats of each run's
# percentiles). wgbench prepends: datafile, outbase, plottitle, xlabel_text.
# The data file is the throughput plot's (scaling.gp): 1 value, ..., 7 repeats,
# 10 RTT p50 ms, 11 RTT p99 ms.
set grid ytics
set xlabel xlabel_text noenhanced
set ylabel "RTT through the tunnel under load (ms, log scale)"
# log: a p50 of a few ms and a p99 of hundreds on one axis
set logscale y 10
set key below horizontal
set bmargin 5
set offsets graph 0.05, graph 0.05, 0, 0
set title plottitle noenhanced
set terminal pngcairo size 900,520 font ",10"
set output outbase . ".png"
plot datafile using 1:10:xtic(1) with linespoints lw 2 pt 7 lc rgb "#4878a8" title "RTT p50", \
     '' using 1:11 with linespoints lw 2 pt 5 dt 2 lc rgb "#c0392b" title "RTT p99"
set terminal svg size 900,520 dynamic font ",10"
set output outbase . ".svg"
replot
