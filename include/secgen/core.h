/* secgen core: status codes, errors, vectors, arena, hash map, counter-based RNG,
 * time parsing/printing, atomic file output, progress reporting, threads.
 * Everything else in secgen builds on this header; it depends on libc only. */
#ifndef SECGEN_CORE_H
#define SECGEN_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes and errors ------------------------------------------------------------ */

typedef enum sg_status {
    SG_OK = 0,
    SG_ERR_IO,          /* cannot open/read/write a file */
    SG_ERR_PARSE,       /* malformed input (file:line:column in the message) */
    SG_ERR_INVALID,     /* invalid argument or inconsistent data */
    SG_ERR_NOMEM,       /* allocation failed */
    SG_ERR_UNSUPPORTED, /* valid but not handled (link type, format version...) */
    SG_ERR_RANGE,       /* value out of range */
    SG_ERR_EMPTY        /* input holds no usable data */
} sg_status;

#define SG_ERROR_MSG_MAX 1024

/* Error buffer filled by library functions; only the CLI prints it. */
typedef struct sg_error {
    sg_status status;
    char msg[SG_ERROR_MSG_MAX];
} sg_error;

/* Fill err (may be NULL) with a printf-style message; returns st so callers can
 * `return sg_error_set(err, SG_ERR_PARSE, "%s:%zu: ...", ...)`. */
sg_status sg_error_set(sg_error *err, sg_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepend context ("file.csv: ") to an existing message. */
sg_status sg_error_prefix(sg_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sg_status_str(sg_status st);

/* ---- growable vector (type-erased) ------------------------------------------------------- */

typedef struct sg_vec {
    void *data;
    size_t len;  /* elements in use */
    size_t cap;  /* elements allocated */
    size_t elem; /* element size in bytes */
} sg_vec;

void sg_vec_init(sg_vec *v, size_t elem_size);
sg_status sg_vec_reserve(sg_vec *v, size_t n_total);
sg_status sg_vec_push(sg_vec *v, const void *elem);
/* Append n uninitialised (zeroed) elements; *out points at the first. */
sg_status sg_vec_grow(sg_vec *v, size_t n, void **out);
void sg_vec_clear(sg_vec *v);
void sg_vec_free(sg_vec *v);
#define SG_VEC_AT(v, T, i) (((T *)(v)->data)[i])

/* Large buffer for bulk data, released with free(); contents are not preserved. From 2 MiB up
 * it is aligned to and asks for transparent huge pages: filling fresh memory page by page was a
 * third of packet-generation time in page faults on a VM. NULL on OOM. */
void *sg_mem_alloc_big(size_t n);

/* ---- arena: many small allocations freed at once ---------------------------------------- */

typedef struct sg_arena sg_arena;
sg_arena *sg_arena_create(size_t block_size); /* 0 = default 64 KiB */
void sg_arena_destroy(sg_arena *a);
void *sg_arena_alloc(sg_arena *a, size_t n); /* 16-byte aligned, zeroed; NULL on OOM */
char *sg_arena_strdup(sg_arena *a, const char *s);
char *sg_arena_strndup(sg_arena *a, const char *s, size_t n);

/* ---- hashing and open-addressing hash map ------------------------------------------------ */

uint64_t sg_hash_bytes(const void *p, size_t n, uint64_t seed);
uint64_t sg_hash_u64(uint64_t x); /* bijective mixer (SplitMix64 finaliser) */

/* Map from byte-string keys (copied into the map) to uint64 values; linear probing,
 * load factor <= 0.7, iteration in slot order (not insertion order). */
typedef struct sg_hashmap sg_hashmap;
sg_hashmap *sg_hashmap_create(size_t capacity_hint);
void sg_hashmap_destroy(sg_hashmap *m);
size_t sg_hashmap_size(const sg_hashmap *m);
/* returns 1 and sets *val if found, 0 otherwise */
int sg_hashmap_get(const sg_hashmap *m, const void *key, size_t klen, uint64_t *val);
/* insert or overwrite */
sg_status sg_hashmap_put(sg_hashmap *m, const void *key, size_t klen, uint64_t val);
/* pointer to the stored value (inserting `init` if absent), NULL on OOM; valid until next put */
uint64_t *sg_hashmap_upsert(sg_hashmap *m, const void *key, size_t klen, uint64_t init, int *inserted);
int sg_hashmap_remove(sg_hashmap *m, const void *key, size_t klen);
/* iterate: size_t it = 0; while (sg_hashmap_next(m, &it, &k, &kl, &v)) {...} */
int sg_hashmap_next(const sg_hashmap *m, size_t *iter, const void **key, size_t *klen, uint64_t *val);

/* String interning table: stable ids 0..n-1 in order of first insertion. */
typedef struct sg_strtab sg_strtab;
sg_strtab *sg_strtab_create(void);
void sg_strtab_destroy(sg_strtab *t);
/* returns id (>= 0) or -1 on OOM */
int64_t sg_strtab_intern(sg_strtab *t, const char *s, size_t len);
int64_t sg_strtab_find(const sg_strtab *t, const char *s, size_t len); /* -1 if absent */
const char *sg_strtab_str(const sg_strtab *t, size_t id);
size_t sg_strtab_size(const sg_strtab *t);

/* ---- counter-based RNG --------------------------------------------------------------------
 * Philox4x32-10 (Salmon et al., SC'11): output block i of stream (seed, stream, index) is
 * Philox(key = seed, counter = [index_lo, index_hi, stream, block]). A generator positioned at
 * (seed, stream, index) therefore yields the same numbers whichever thread or process draws them:
 * e.g. flow n of a generation run uses sg_rng_init(&r, seed, SG_STREAM_FLOW, n). */
typedef struct sg_rng {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t buf[4];
    unsigned used; /* words of buf consumed */
} sg_rng;

void sg_rng_init(sg_rng *r, uint64_t seed, uint32_t stream, uint64_t index);
void sg_rng_refill(sg_rng *r); /* next Philox block into buf (used by sg_rng_u32) */
/* inline: the packet generator draws several words per packet, and the call cost showed */
static inline uint32_t sg_rng_u32(sg_rng *r)
{
    if (r->used >= 4) sg_rng_refill(r);
    return r->buf[r->used++];
}
uint64_t sg_rng_u64(sg_rng *r);
double sg_rng_uniform(sg_rng *r);               /* [0,1), 53 random bits */
double sg_rng_uniform_pos(sg_rng *r);           /* (0,1) */
uint64_t sg_rng_below(sg_rng *r, uint64_t n);   /* uniform in [0,n), unbiased; n>0 */
double sg_rng_normal(sg_rng *r);                /* standard normal (Box-Muller) */
double sg_rng_exponential(sg_rng *r, double rate);
/* index drawn proportionally to w[0..n-1] (w >= 0, sum > 0); returns n-1 on rounding */
size_t sg_rng_categorical(sg_rng *r, const double *w, size_t n);

/* Seeded m-of-n sampling without replacement, keyed per item: item ids[i] gets the draw
 * sg_rng_u64(seed, stream, ids[i]) and the m items with the smallest draws are kept (ties on the
 * top 44 bits of the draw broken by position). An item's fate depends only on (seed, its id),
 * not on the other items nor on n. out (room for m) receives the kept ids in ascending order;
 * m >= n copies ids, sorted. SG_ERR_NOMEM on allocation failure. */
sg_status sg_sample_keyed(uint64_t seed, uint32_t stream, const size_t *ids, size_t n, size_t m, size_t *out,
                          sg_error *err);
/* The order sg_sample_keyed keeps a prefix of: out (room for n) receives ids sorted by their
 * draws (ties by position). A prefix of any length is a uniform sample. */
sg_status sg_order_keyed(uint64_t seed, uint32_t stream, const size_t *ids, size_t n, size_t *out, sg_error *err);

/* ---- codes --------------------------------------------------------------------------------- */
/* Rissanen's universal code length L_N(x) in bits for an integer x >= 1 (x = 0 is priced as 1):
 * log2(2.865064) + the sum of the positive iterated logarithms log2 x, log2 log2 x, ... The one
 * implementation for bn, fc and tadam (tadam encodes n >= 0 as L_N(n + 1)). */
double sg_universal_int_bits(uint64_t x);

/* ---- service registry -----------------------------------------------------------------------
 * One table of well-known services for every module: automaton names (tadam), network config
 * service names and flow-to-server matching (netcfg, packets). Port -> name gives the IANA name
 * (TCP 25 = "smtp", TCP 587 = "submission", UDP 5353 = "mdns"); a few names accepted in configs
 * are aliases (Fos-R's "multicast dns"), and the name "smtp" in a config means TCP 587 (Fos-R's
 * default, kept for config compatibility; write "smtp:25" for MTA traffic). Ports are matched for
 * TCP and UDP only, except "icmp" (port 0). */
/* canonical name of (proto, port), or NULL */
const char *sg_service_name(uint8_t proto, uint16_t port);
/* a config service name (case-insensitive) -> default proto and port; 0, or -1 if unknown */
int sg_service_lookup(const char *name, uint8_t *proto, uint16_t *port);

/* ---- time ---------------------------------------------------------------------------------
 * Times are int64 microseconds since the Unix epoch, UTC. */
/* Accepts "2017-04-05T10:31:02.123456Z", "2017-04-05 10:31:02.123", "2013/10/21 13:22:59.340835",
 * "2017-04-05" and an optional "+hh:mm"/"-hh:mm"/"Z" suffix; fractions up to 9 digits. */
sg_status sg_time_parse(const char *s, int64_t *us_out, sg_error *err);
/* Same, for a non-NUL-terminated field */
sg_status sg_time_parse_n(const char *s, size_t len, int64_t *us_out, sg_error *err);
/* "2017-04-05T10:31:02.123456Z" (buf >= 32 bytes) */
void sg_time_format(int64_t us, char *buf, size_t bufsz);
/* Calendar fields of a UTC time in µs (floor division: times before 1970 stay exact); the one
 * split sg_time_format and the flow CSV writer's fast path share. */
typedef struct sg_time_fields {
    int64_t year;
    unsigned month, day, hour, minute, second;
    int64_t micro; /* 0..999999 */
} sg_time_fields;
void sg_time_split(int64_t us, sg_time_fields *out);
/* Durations: "1h30m", "90s", "1.5h", "250ms", "2d", "1w", "PT1H30M" (ISO 8601), bare number = s */
sg_status sg_duration_parse(const char *s, int64_t *us_out, sg_error *err);
/* floor(a / b) for b > 0 (rounds towards minus infinity, unlike C's /) */
int64_t sg_floor_div(int64_t a, int64_t b);
/* hour of week, 0..167 from Monday 00:00 UTC, of the hour index floor(us / 3600 s) */
int sg_hour_of_week(int64_t hour_index);
/* civil date helpers (proleptic Gregorian) */
int64_t sg_days_from_civil(int64_t y, unsigned m, unsigned d);
void sg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* ---- atomic file output -------------------------------------------------------------------
 * Writes go to "<path>.tmp.XXXXXX" in the same directory; commit() flushes, fsyncs and renames
 * over path; abort() (or destroy without commit) removes the temporary. Path "-" = stdout. */
typedef struct sg_outfile sg_outfile;
sg_status sg_outfile_open(sg_outfile **out, const char *path, sg_error *err);
FILE *sg_outfile_fp(sg_outfile *o);
const char *sg_outfile_path(const sg_outfile *o);
sg_status sg_outfile_commit(sg_outfile *o, sg_error *err); /* frees o */
void sg_outfile_abort(sg_outfile *o);                      /* frees o; NULL ok */
/* Unlinks the temporary of every sg_outfile still open (up to 64 at once). Async-signal-safe:
 * meant for a SIGINT/SIGTERM handler, which then ends the process; the outfiles must not be used
 * afterwards. The library installs no handler (the program decides how it dies). */
void sg_outfile_remove_temporaries(void);
size_t sg_outfile_open_temporaries(void); /* how many are registered (tests) */
/* Whole-file helpers */
sg_status sg_file_write_atomic(const char *path, const void *data, size_t n, sg_error *err);
sg_status sg_file_read_all(const char *path, char **data, size_t *n, sg_error *err); /* NUL-terminated */

/* ---- HTML reports ------------------------------------------------------------------------ */
/* Write s with <, >, & and " as entities and control characters as '?' (NULL writes nothing). */
void sg_html_escape(FILE *fp, const char *s);

/* ---- progress -----------------------------------------------------------------------------
 * A one-line bar on stderr, redrawn at most 10 times a second; silent when stderr is not a
 * terminal or when quiet was requested (sg_progress_set_quiet or the SECGEN_QUIET env var). */
typedef struct sg_progress sg_progress;
void sg_progress_set_quiet(int quiet);
int sg_progress_enabled(void);
sg_progress *sg_progress_create(const char *label, uint64_t total); /* total 0 = unknown */
void sg_progress_update(sg_progress *p, uint64_t done);
void sg_progress_destroy(sg_progress *p); /* finishes the line; NULL ok */

/* ---- threads ------------------------------------------------------------------------------ */
/* Set worker count for OpenMP regions (0 = all cores). Returns the effective count. */
int sg_threads_set(int n);
int sg_threads_get(void);

/* ---- small parsing helpers ---------------------------------------------------------------- */
/* Strict numeric parsing of a whole field (no trailing garbage); return 0 on success. */
int sg_parse_i64(const char *s, size_t len, int64_t *out);
int sg_parse_u64(const char *s, size_t len, uint64_t *out);
int sg_parse_double(const char *s, size_t len, double *out);

#ifdef __cplusplus
}
#endif
#endif
