# Shared by bench/tadam_hdfs.sh and bench/tadam_noise_learn.sh (sourced): the issue 20 HDFS split
# and the AUROC of a scores CSV, so that both benches judge the same blocks the same way.

# hdfs_split DATA SEED FRAC TRAIN TEST: FRAC of the normal blocks (Fibonacci hash of the row number
# shifted by 7919 x SEED) to TRAIN, everything else (the other normal blocks and every anomaly) to
# TEST; both keep the header
hdfs_split() {
    awk -F, -v seed="$2" -v frac="$3" -v tr="$4" -v te="$5" '
        NR == 1 { print > tr; print > te; next }
        { h = (((NR + 7919 * seed) * 2654435761) % 4294967296) / 4294967296
          if ($2 == "Normal" && h < frac) print > tr; else print > te }' "$1"
}

# auroc FILE COL: AUROC of column COL (by header name) of a scores CSV, label 1 = anomaly, ties
# counted half
auroc() {
    awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        $2 == 0 || $2 == 1 { print $c, $2 }' "$1" | sort -g -k1,1 |
        awk '{ s[NR] = $1; l[NR] = $2; n = NR }
        END { i = 1; while (i <= n) { j = i; while (j < n && s[j + 1] == s[i]) j++
                  r = (i + j) / 2; for (k = i; k <= j; k++) if (l[k] == 1) { sp += r; np++ }; i = j + 1 }
              nn = n - np; printf "%.4f", (sp - np * (np + 1) / 2) / (np * nn) }'
}
