# SPDX-License-Identifier: MIT
# plot.gp: throughput and p99 latency of entitled and nginx per scenario, at 32 and 128
# connections, from the plot.dat of bench/report.py.
# Usage: gnuplot -e "data='plot.dat'; out='x.png'; title='…'" bench/plot.gp
set terminal pngcairo size 1400,900 font ",10" noenhanced
set output out
set multiplot layout 2,1 title title
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside right top vertical
set xrange [-0.6:*]
set grid ytics
set logscale y
set xtics rotate by -20
set ylabel "requests/s (log)"
plot data using 2:xtic(1) title "entitled, 32 conns" lc rgb "#1f77b4", \
     '' using 3 title "nginx, 32 conns" lc rgb "#aec7e8", \
     '' using 6 title "entitled, 128 conns" lc rgb "#d62728", \
     '' using 7 title "nginx, 128 conns" lc rgb "#ff9896"
set ylabel "p99 latency, ms (log)"
plot data using 4:xtic(1) title "entitled, 32 conns" lc rgb "#1f77b4", \
     '' using 5 title "nginx, 32 conns" lc rgb "#aec7e8", \
     '' using 8 title "entitled, 128 conns" lc rgb "#d62728", \
     '' using 9 title "nginx, 128 conns" lc rgb "#ff9896"
unset multiplot
