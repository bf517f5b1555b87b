# Throughput and per-core softirq over one scenario run (one repeat) and,
# below on the same time axis, the latency probe's RTT through the tunnel.
# wgbench prepends: datafile, coresfile, ncores, rttfile, nlost, wlen, xmin,
# xmax, outbase, plottitle, xtitle.
# datafile: 1 seconds (each interval's start and end), 2 Mbit/s (iperf3 intervals, receiver);
# coresfile: 1 seconds, 2.. softirq % of cpu0, cpu1, ...;
# rttfile ('' when the run had no probe): 1 seconds, 2 RTT ms (NaN: lost), 3 1 when lost;
# wlen: the measured interval's length (0 unknown), drawn as its two edges;
# xmin, xmax: the probe's span (with an RTT panel, both panels show it).
# All three time columns are seconds from the start of the measured interval
# (runs[].window), so the idle probes before the load sit left of 0.
do for [fmt in "png svg"] {
    if (fmt eq "png") {
        set terminal pngcairo size 900,(rttfile ne '' ? 720 : 420) font ",10"
    } else {
        set terminal svg size 900,(rttfile ne '' ? 720 : 420) dynamic font ",10"
    }
    set output outbase . "." . fmt
    if (rttfile ne '') {
        set multiplot layout 2,1 title plottitle noenhanced
        unset title
        set xrange [xmin:xmax]
    } else {
        set title plottitle noenhanced
    }
    set lmargin 10
    set rmargin 10
    set bmargin 5
    set grid ytics
    set xlabel xtitle
    set ylabel "throughput (Mbit/s)"
    set y2label "softirq %"
    set yrange [0:*]
    set y2range [0:100]
    set ytics nomirror
    set y2tics
    set key below horizontal
    plot datafile using 1:2 with lines lw 2 lc rgb "#4878a8" title "throughput (receiver)", \
         for [i=1:ncores] coresfile using 1:(column(i+1)) axes x1y2 with lines title sprintf("cpu%d softirq", i-1)
    if (rttfile ne '') {
        unset y2label
        set ylabel "RTT through the tunnel (ms, log scale)"
        # log: the idle RTT (tenths of a ms) and a full queue (hundreds) on one panel
        set logscale y 10
        set yrange [*:*]
        set ytics mirror
        # lost probes as marks along the top, on a y2 of their own
        set y2range [0:1]
        unset y2tics
        set key below horizontal
        if (wlen > 0) {
            set arrow 1 from 0, graph 0 to 0, graph 1 nohead dt 2 lc rgb "#888888"
            set arrow 2 from wlen, graph 0 to wlen, graph 1 nohead dt 2 lc rgb "#888888"
        }
        if (nlost > 0) {
            plot rttfile using 1:2 with points pt 7 ps 0.3 lc rgb "#c0392b" title "RTT (latency probe, every probe)", \
                 rttfile using 1:($3 > 0 ? 0.97 : NaN) axes x1y2 with points pt 2 ps 0.5 lc rgb "black" \
                 title sprintf("lost probe (%d, marked at the top)", nlost)
        } else {
            plot rttfile using 1:2 with points pt 7 ps 0.3 lc rgb "#c0392b" title "RTT (latency probe, every probe; none lost)"
        }
        unset arrow 1
        unset arrow 2
        unset logscale y
        set autoscale x
        unset multiplot
    }
    unset bmargin
    set output
}
