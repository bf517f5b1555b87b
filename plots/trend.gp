# History of one scenario x variant (`wgbench history trend`): one point per
# run in time order with its interval as an error bar (throughput: the
# interval of the median at the level it really has; RTT: the range of the
# repeats' p99), the kernel it ran labelled under the x axis where it changes,
# a dashed line where a change point starts a new level.
# wgbench prepends: datafile, outbase, plottitle, ytitle, nseries, and one
# `set arrow` per change point. Data: one block per series (machine and
# backend), its first line the series' name; columns:
#   1 position in time, 2 level, 3 low, 4 high, 5 kernel label ("" when unchanged), 6 run id
set grid ytics
set yrange [0:*]
set offsets 0.5, 0.5, 0, 0
set ylabel ytitle
set xlabel "runs in time order, labelled with the kernel where it changes"
set title plottitle noenhanced
set xtics rotate by -30 noenhanced font ",8"
set key top right noenhanced
set bars small
set terminal pngcairo size 1000,540 font ",10"
set output outbase . ".png"
plot for [i=0:nseries-1] datafile index i using 1:2:3:4:xtic(5) with yerrorlines pt 7 ps 0.8 lw 1.5 title columnheader(1)
set terminal svg size 1000,540 dynamic font ",10"
set output outbase . ".svg"
replot
