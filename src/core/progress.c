/* Progress bar on stderr for long jobs; silent when stderr is not a terminal, with --quiet
 * (sg_progress_set_quiet) or SECGEN_QUIET=1, so logs and CI output stay clean. */
#include "secgen/core.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_quiet = 0;

void sg_progress_set_quiet(int quiet) { g_quiet = quiet; }

int sg_progress_enabled(void)
{
    if (g_quiet) return 0;
    const char *q = getenv("SECGEN_QUIET");
    if (q && *q && strcmp(q, "0") != 0) return 0;
    return isatty(STDERR_FILENO);
}

struct sg_progress {
    char label[64];
    uint64_t total, done;
    double start, last;
    int enabled, drawn;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

sg_progress *sg_progress_create(const char *label, uint64_t total)
{
    sg_progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    snprintf(p->label, sizeof p->label, "%s", label ? label : "");
    p->total = total;
    p->enabled = sg_progress_enabled();
    p->start = p->last = now_s();
    return p;
}

static void draw(sg_progress *p, double t)
{
    double el = t - p->start;
    if (p->total) {
        double f = (double)p->done / (double)p->total;
        if (f > 1) f = 1;
        int w = 30, fill = (int)(f * w);
        char bar[32];
        for (int i = 0; i < w; i++) bar[i] = i < fill ? '#' : '-';
        bar[w] = 0;
        double eta = f > 0 ? el * (1 - f) / f : 0;
        fprintf(stderr, "\r%s [%s] %5.1f%% %llu/%llu %.1fs eta %.1fs  ", p->label, bar, f * 100,
                (unsigned long long)p->done, (unsigned long long)p->total, el, eta);
    } else {
        fprintf(stderr, "\r%s %llu %.1fs  ", p->label, (unsigned long long)p->done, el);
    }
    fflush(stderr);
    p->drawn = 1;
}

void sg_progress_update(sg_progress *p, uint64_t done)
{
    if (!p) return;
    p->done = done;
    if (!p->enabled) return;
    double t = now_s();
    if (t - p->last < 0.1) return;
    p->last = t;
    draw(p, t);
}

void sg_progress_destroy(sg_progress *p)
{
    if (!p) return;
    if (p->enabled) {
        draw(p, now_s());
        fputc('\n', stderr);
    }
    free(p);
}
