# RTT CDF of every variant in one scenario: the latency probe's round trips
# through the tunnel in the measured window (every successful repeat pooled).
# wgbench prepends: datafile, outbase, nblocks, plottitle. datafile: one index
# block per variant, its first line the legend ("name: N probes, L lost"),
# then 1 RTT ms, 2 share of the window's probes answered within it. Lost
# probes count in the share, so a line ends at 1 - loss, below the top.
set grid xtics ytics mxtics
set logscale x 10
set xlabel "round-trip time through the tunnel (ms, log scale)"
set ylabel "share of probes answered within"
set yrange [0:1.02]
set ytics 0.1
set key top left opaque noenhanced
set title plottitle noenhanced
set datafile commentschars "#"
set style data steps
do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 900,480 font ",10"
    } else {
        set terminal svg size 900,480 dynamic font ",10"
    }
    set output outbase . "." . fmt
    plot for [i=0:nblocks-1] datafile index i using 1:2 lw 2 title columnheader(1)
    set output
}
