# SPDX-License-Identifier: BSD-2-Clause
# Similarity of a recording to its source: both raw 16-bit little-endian
# mono at the same rate.  Prints the best normalised cross-correlation of
# 8000 samples of the source against the recording, over lags 0..MAXLAG
# samples (third argument, default 400: leading silence and codec delay),
# and that lag.  Compare at the codec's own rate: decimating two signals
# whose offsets differ by an odd number of samples blurs them.  Used by
# tests/cli/src-srs.bats for the lossy codecs.
import struct
import sys


def rd(p):
    b = open(p, 'rb').read()
    return struct.unpack('<%dh' % (len(b) // 2), b)


src, rec = rd(sys.argv[1]), rd(sys.argv[2])
n = min(8000, len(src))
seg = src[:n]
ss = sum(x * x for x in seg) ** 0.5
best = (-1.0, 0)
maxlag = int(sys.argv[3]) if len(sys.argv) > 3 else 400
for lag in range(0, maxlag + 1):
    r = rec[lag:lag + n]
    if len(r) < n:
        break
    rr = sum(x * x for x in r) ** 0.5
    if rr == 0 or ss == 0:
        continue
    c = sum(a * b for a, b in zip(seg, r)) / (ss * rr)
    if c > best[0]:
        best = (c, lag)
print("%.4f %d" % best)
