# Throughput and per-core softirq over one scenario run (one repeat).
# wgbench prepends: datafile, coresfile, ncores, outbase, plottitle, xtitle.
# datafile: 1 seconds (each interval's start and end), 2 Mbit/s (iperf3 intervals, receiver);
# coresfile: 1 seconds, 2.. softirq % of cpu0, cpu1, ...
set grid ytics
set xlabel xtitle
set ylabel "throughput (Mbit/s)"
set y2label "softirq %"
set yrange [0:*]
set y2range [0:100]
set ytics nomirror
set y2tics
set key inside top right opaque
set title plottitle noenhanced
set terminal pngcairo size 900,420 font ",10"
set output outbase . ".png"
plot datafile using 1:2 with lines lw 2 lc rgb "#4878a8" title "throughput (receiver)", \
     for [i=1:ncores] coresfile using 1:(column(i+1)) axes x1y2 with lines title sprintf("cpu%d softirq", i-1)
set terminal svg size 900,420 dynamic font ",10"
set output outbase . ".svg"
replot
