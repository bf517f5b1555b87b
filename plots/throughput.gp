# Throughput of every variant in one scenario: median with its order-statistic interval.
# wgbench prepends: datafile, outbase, plottitle. Data columns:
# 1 index, 2 variant, 3 median Mbit/s, 4 interval low, 5 interval high, 6 n, 7 the interval's real level
set style fill solid 0.5 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set ylabel "throughput (Mbit/s, receiver)"
set title plottitle . ": median and order-statistic interval of the median (its level per n: summary.md)" noenhanced
set xtics rotate by -20 noenhanced
set key off
set terminal pngcairo size 900,480 font ",10"
set output outbase . ".png"
plot datafile using 1:3:xtic(2) with boxes lc rgb "#4878a8", \
     '' using 1:3:4:5 with yerrorbars lc rgb "black" pt 0 lw 1.5
set terminal svg size 900,480 dynamic font ",10"
set output outbase . ".svg"
replot
