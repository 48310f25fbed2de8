/* Flow/sequence CSV throughput (driver for bench/flow_csv.sh): writes N native flows built from
 * a real CIDDS sample, reads them back, sorts them, reads the HDFS sequences. Times are CPU
 * time of this process (robust on a shared machine); the write includes the atomic commit. */
#include "secgen/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s CIDDS.csv HDFS_SEQ.csv OUT.csv N\n", argv[0]);
        return 2;
    }
    sg_error e;
    sg_flow_table t;
    sg_flow_read_opts o = {0};
    if (sg_flow_read(argv[1], &o, &t, &e) != SG_OK || t.n == 0) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    size_t n = (size_t)strtoull(argv[4], NULL, 10);
    sg_flow_writer *w;
    double t0 = cpu();
    if (sg_flow_writer_open(&w, argv[3], SG_FMT_NATIVE, &e) != SG_OK) goto fail;
    for (size_t i = 0; i < n; i++) {
        sg_flow f = t.flows[i % t.n];
        f.start_us += (int64_t)(i / t.n) * 7 * 86400000000LL; /* next week: keeps rows distinct */
        if (sg_flow_writer_write(w, &f, &e) != SG_OK) goto fail;
    }
    if (sg_flow_writer_close(w, &e) != SG_OK) goto fail;
    double t1 = cpu();
    sg_flow_table_free(&t);
    if (sg_flow_read(argv[3], &o, &t, &e) != SG_OK) goto fail;
    double t2 = cpu();
    sg_flow_table_sort(&t);
    double t3 = cpu();
    printf("native write: %zu flows in %.3f s CPU = %.0f flows/s\n", n, t1 - t0, (double)n / (t1 - t0));
    printf("native read:  %zu flows in %.3f s CPU = %.0f flows/s\n", t.n, t2 - t1, (double)t.n / (t2 - t1));
    printf("stable sort:  %zu flows in %.3f s CPU\n", t.n, t3 - t2);
    sg_flow_table_free(&t);
    sg_seq_set *s;
    t0 = cpu();
    if (sg_seq_read(argv[2], &s, &e) != SG_OK) goto fail;
    t1 = cpu();
    printf("HDFS sequences: %zu read in %.3f s CPU\n", sg_seq_set_count(s), t1 - t0);
    sg_seq_set_destroy(s);
    return 0;
fail:
    fprintf(stderr, "%s\n", e.msg);
    return 1;
}
