/* The application vocabulary (include/secgen/packets.h "application vocabulary"): weighted lists
 * of host names, HTTP methods, paths, status codes and DNS TTLs, and the rules that turn them into
 * a server's name. The embedded lists are learnt from the benign captures (models/app_vocab.json);
 * a short built-in list of common domains stands in when none is given (library use, tests), so a
 * template never invents a name from random letters: such names read as machine-made (nDPI took
 * random-letter SNIs for Tor, DGA detectors flag them). */
#include <stdlib.h>
#include <string.h>

#include "packets/packets_internal.h"

#define NAME_SEED 0x6e616d65ULL /* fixed: a server's name does not depend on the run's seed */

typedef struct vlist {
    char **s;
    double *cum; /* cumulative weights */
    size_t n, cap;
} vlist;

struct sg_app_vocab {
    vlist l[SG_APP_NLISTS];
};

sg_status sg_app_vocab_create(sg_app_vocab **out, sg_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "vocabulary: out of memory");
}

void sg_app_vocab_destroy(sg_app_vocab *v)
{
    if (!v) return;
    for (int k = 0; k < SG_APP_NLISTS; k++) {
        for (size_t i = 0; i < v->l[k].n; i++) free(v->l[k].s[i]);
        free(v->l[k].s);
        free(v->l[k].cum);
    }
    free(v);
}

size_t sg_app_vocab_count(const sg_app_vocab *v, sg_app_list list) { return v && list < SG_APP_NLISTS ? v->l[list].n : 0; }

static int valid_host(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n < 4 || n > 78 || !strchr(s, '.') || s[0] == '.' || s[n - 1] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0) return 0;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return 0;
        if (++label > 63) return 0;
    }
    return 1;
}

static int valid_value(sg_app_list list, const char *s)
{
    size_t n = strlen(s);
    switch (list) {
    case SG_APP_HOSTS: return valid_host(s);
    case SG_APP_PATHS:
        if (n == 0 || n > 96 || s[0] != '/') return 0;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127 || s[i] == '"' || s[i] == '\\') return 0;
        return 1;
    case SG_APP_METHODS:
        if (n == 0 || n > 15) return 0;
        for (size_t i = 0; i < n; i++)
            if (!(s[i] >= 'A' && s[i] <= 'Z') && s[i] != '-') return 0;
        return 1;
    case SG_APP_STATUS: {
        char *e;
        long c = strtol(s, &e, 10);
        return n == 3 && !*e && c >= 100 && c <= 599;
    }
    case SG_APP_TTLS: {
        char *e;
        long t = strtol(s, &e, 10);
        return n > 0 && n <= 10 && !*e && t >= 0 && t <= 604800;
    }
    default: return 0;
    }
}

sg_status sg_app_vocab_add(sg_app_vocab *v, sg_app_list list, const char *value, double weight, sg_error *err)
{
    static const char *names[] = {"host name", "HTTP method", "HTTP path", "HTTP status", "DNS TTL"};
    if (list >= SG_APP_NLISTS) return sg_error_set(err, SG_ERR_INVALID, "vocabulary: no list %d", (int)list);
    if (!(weight > 0) || weight > 1e12)
        return sg_error_set(err, SG_ERR_INVALID, "vocabulary: %s '%.80s': weight %g is not positive", names[list], value, weight);
    if (!valid_value(list, value)) return sg_error_set(err, SG_ERR_INVALID, "vocabulary: '%.100s' is not a valid %s", value, names[list]);
    vlist *l = &v->l[list];
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        char **ns = realloc(l->s, nc * sizeof *ns);
        if (!ns) return sg_error_set(err, SG_ERR_NOMEM, "vocabulary: out of memory");
        l->s = ns;
        double *nw = realloc(l->cum, nc * sizeof *nw);
        if (!nw) return sg_error_set(err, SG_ERR_NOMEM, "vocabulary: out of memory");
        l->cum = nw;
        l->cap = nc;
    }
    if (!(l->s[l->n] = strdup(value))) return sg_error_set(err, SG_ERR_NOMEM, "vocabulary: out of memory");
    l->cum[l->n] = (l->n ? l->cum[l->n - 1] : 0) + weight;
    l->n++;
    return SG_OK;
}

/* ---- the built-in list: common public domains, common methods/status/TTLs ---------------------- */
static const char *builtin_hosts[] = {
    "www.google.com", "www.youtube.com", "www.facebook.com", "www.wikipedia.org", "www.amazon.com", "www.microsoft.com",
    "login.microsoftonline.com", "outlook.office365.com", "www.apple.com", "www.linkedin.com", "github.com",
    "www.bing.com", "www.netflix.com", "api.twitter.com", "www.instagram.com", "update.googleapis.com",
    "fonts.googleapis.com", "ajax.googleapis.com", "www.mozilla.org", "detectportal.firefox.com", "www.debian.org",
    "deb.debian.org", "security.debian.org", "ocsp.digicert.com", "www.cloudflare.com", "cdn.jsdelivr.net",
    "www.reddit.com", "www.paypal.com", "www.ebay.com", "www.yahoo.com", "mail.google.com", "docs.google.com",
    "drive.google.com", "www.dropbox.com", "zoom.us", "teams.microsoft.com", "slack.com", "www.spotify.com"};
static const char *builtin_methods[] = {"GET", "POST", "HEAD"};
static const double builtin_method_w[] = {90, 8, 2};
static const char *builtin_paths[] = {"/", "/index.html", "/favicon.ico", "/robots.txt", "/api/v1/status", "/login", "/search",
                                      "/static/css/main.css", "/static/js/app.js", "/images/logo.png"};
static const char *builtin_status[] = {"200", "301", "302", "404"};
static const double builtin_status_w[] = {85, 4, 6, 5};
static const char *builtin_ttls[] = {"60", "300", "3600", "86400"};

static const sg_app_vocab *builtin(void)
{
    static sg_app_vocab *b;
    static int tried;
    if (tried) return b; /* first use is single-threaded enough: see sg_app_vocab_builtin_init */
    tried = 1;
    sg_app_vocab *v;
    if (sg_app_vocab_create(&v, NULL) != SG_OK) return NULL;
    int ok = 1;
    for (size_t i = 0; ok && i < sizeof builtin_hosts / sizeof *builtin_hosts; i++) ok = sg_app_vocab_add(v, SG_APP_HOSTS, builtin_hosts[i], 1, NULL) == SG_OK;
    for (size_t i = 0; ok && i < 3; i++) ok = sg_app_vocab_add(v, SG_APP_METHODS, builtin_methods[i], builtin_method_w[i], NULL) == SG_OK;
    for (size_t i = 0; ok && i < sizeof builtin_paths / sizeof *builtin_paths; i++) ok = sg_app_vocab_add(v, SG_APP_PATHS, builtin_paths[i], 1, NULL) == SG_OK;
    for (size_t i = 0; ok && i < 4; i++) ok = sg_app_vocab_add(v, SG_APP_STATUS, builtin_status[i], builtin_status_w[i], NULL) == SG_OK;
    for (size_t i = 0; ok && i < 4; i++) ok = sg_app_vocab_add(v, SG_APP_TTLS, builtin_ttls[i], 1, NULL) == SG_OK;
    if (!ok) { sg_app_vocab_destroy(v); return NULL; }
    b = v;
    return b;
}

/* the built-in list is made once, before any thread uses it (sg_pktgen_create calls this) */
void sg_app_vocab_builtin_init(void)
{
#pragma omp critical(sg_app_vocab_builtin)
    (void)builtin();
}

const sg_app_vocab *sg_app_vocab_or_builtin(const sg_app_vocab *v)
{
    if (v) return v;
    const sg_app_vocab *b;
#pragma omp critical(sg_app_vocab_builtin)
    b = builtin();
    return b;
}

/* ---- picks ---------------------------------------------------------------------------------------- */
/* entry of list l for u in [0,1), by weight */
const char *sg_app_pick(const sg_app_vocab *v, sg_app_list list, double u)
{
    v = sg_app_vocab_or_builtin(v);
    if (!v || !v->l[list].n) {
        v = sg_app_vocab_or_builtin(NULL);
        if (!v || !v->l[list].n) return NULL;
    }
    const vlist *l = &v->l[list];
    double x = u * l->cum[l->n - 1];
    size_t lo = 0, hi = l->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->cum[mid] > x) hi = mid;
        else lo = mid + 1;
    }
    return l->s[lo];
}

static double unit(uint64_t h) { return (double)(h >> 11) / 9007199254740992.0; }

int sg_app_addr_private(const uint8_t *a, int v6)
{
    if (v6) return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
    return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 169 && a[1] == 254) || (a[0] == 100 && (a[1] & 0xc0) == 64);
}

/* Internal servers get names of what small networks call their servers; the private top-level
 * domain .internal (ICANN, 2024) cannot collide with a public name. */
static const char *internal_words[] = {"intranet", "wiki",  "mail",   "files", "git",  "portal", "crm",
                                       "erp",      "print", "backup", "helpdesk", "docs", "jira", "build",
                                       "hr",       "proxy", "nas",    "vpn",   "web",  "app"};

void sg_app_server_name(const sg_app_vocab *v, const uint8_t addr[16], int is_v6, char *out)
{
    uint64_t h = sg_hash_bytes(addr, is_v6 ? 16 : 4, NAME_SEED);
    if (sg_app_addr_private(addr, is_v6)) {
        size_t nw = sizeof internal_words / sizeof *internal_words;
        size_t w = (size_t)(h % nw), k = (size_t)((h >> 32) % 4);
        if (k) snprintf(out, 80, "%s%zu.corp.internal", internal_words[w], k + 1);
        else snprintf(out, 80, "%s.corp.internal", internal_words[w]);
        return;
    }
    const char *s = sg_app_pick(v, SG_APP_HOSTS, unit(h));
    snprintf(out, 80, "%s", s ? s : "www.example.com");
}

uint32_t sg_app_name_ttl(const sg_app_vocab *v, const char *name)
{
    const char *s = sg_app_pick(v, SG_APP_TTLS, unit(sg_hash_bytes(name, strlen(name), NAME_SEED ^ 0x7474)));
    return s ? (uint32_t)strtoul(s, NULL, 10) : 300;
}

/* DNS wire length of a dotted name: a length byte per label plus the root */
size_t sg_app_name_wire(const char *name) { return strlen(name) + 2; }
