# Scaling against a swept parameter, like the paper's Figures 4, 6 and 8:
# aggregate throughput (left axis) and CPU (right axis).
# wgbench prepends: datafile, outbase, plottitle, xlabel_text. Data columns:
# 1 value, 2 median Mbit/s, 3 interval low, 4 interval high,
# 5 host CPU busy (% of one core), 6 busiest node's tunnel CPU (% of one core),
# 7 repeats, 8 gw1's tunnel CPU, 9 gw2's tunnel CPU (% of one core)
set grid ytics
set xlabel xlabel_text noenhanced
set ylabel "aggregate throughput (Mbit/s)"
set y2label "CPU (% of one core)"
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set key below horizontal
set offsets graph 0.05, graph 0.05, 0, 0
set title plottitle noenhanced
set terminal pngcairo size 900,520 font ",10"
set output outbase . ".png"
plot datafile using 1:2:3:4:xtic(1) with yerrorlines lw 2 pt 7 lc rgb "#4878a8" title "throughput (median, order-statistic interval)", \
     '' using 1:5 axes x1y2 with linespoints lw 2 pt 5 dt 2 lc rgb "#c0392b" title "CPU, all cores", \
     '' using 1:8 axes x1y2 with linespoints lw 2 pt 9 dt 3 lc rgb "#e39b3a" title "tunnel CPU gw1", \
     '' using 1:9 axes x1y2 with linespoints lw 2 pt 11 dt 4 lc rgb "#2e8b57" title "tunnel CPU gw2"
set terminal svg size 900,520 dynamic font ",10"
set output outbase . ".svg"
replot
