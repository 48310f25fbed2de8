/* Host logs of the network config's hosts, derived from the connections the packet pipeline wrote
 * (an sg_pktgen_observer, like the Zeek logs): what each host itself would have logged.
 *   hosts/<name>/auth.log        Linux hosts serving SSH: OpenSSH's sshd lines (rsyslog's
 *                                RSYSLOG_FileFormat: RFC 3339 time, host name, sshd[pid]).
 *   hosts/<name>/endpoint.ndjson every host: endpoint events as JSON lines with Elastic Common
 *                                Schema fields: process start, network connection (client and
 *                                server side), file creation for large downloads.
 *   hosts/<name>/hdfs.log        DataNodes (TCP 50010): the block each connection wrote, its
 *                                lines sampled from the learnt HDFS automaton (src/logs/hdfs.c).
 * What sshd logs is read off the packets, as sshd itself would see it (no ground-truth label):
 * a probe that never completes the handshake leaves nothing; a connection closed before
 * authenticating is "[preauth]"; every client message answered after OpenSSH's failure delay
 * (>= 1.5 s) is a failed password; a session that carries data after the key exchange is accepted.
 * Lines of a file are in time order: each record waits in one heap until no later connection can
 * precede it (connections arrive in start order), so memory grows with open sessions, not with -d.
 * Decisions and formats: docs/logs.md "Host logs". */
#include "secgen/logs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "secgen/netcfg.h"
#include "logs/hdfs_internal.h"

#define NS_PER_S INT64_C(1000000000)
#define FAIL_DELAY_NS (NS_PER_S * 3 / 2) /* OpenSSH delays a failed password answer ~2 s */

typedef struct hfile {
    sg_outfile *out; /* NULL until the first record */
    size_t host;
    char path[1024];
} hfile;

typedef struct proc {
    char name[48];
    uint32_t pid;
} proc;

typedef struct hstate {
    hfile auth, ecs, access, resolver, hdfs;
    proc *procs; /* client processes started during the run (process trees persist) */
    size_t nprocs, cap;
} hstate;

typedef struct pending {
    int64_t t_ns;
    uint64_t seq;  /* arrival order: ties keep it */
    hfile *file;
    char *line;    /* with its newline */
} pending;

struct sg_host_logs {
    const sg_netcfg *cfg;
    const sg_tadam_model *hdfs; /* NULL: no hdfs.log */
    uint64_t seed;
    char dir[900];
    hstate *h;
    pending *heap;
    size_t nheap, capheap;
    uint64_t seq, records;
};

/* ---- the time-ordered heap ---- */

static int before(const pending *a, const pending *b) { return a->t_ns != b->t_ns ? a->t_ns < b->t_ns : a->seq < b->seq; }

static sg_status push_line(sg_host_logs *L, hfile *f, int64_t t_ns, const char *line, sg_error *err)
{
    if (L->nheap == L->capheap) {
        size_t nc = L->capheap ? 2 * L->capheap : 64;
        pending *n = realloc(L->heap, nc * sizeof *n);
        if (!n) return sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
        L->heap = n;
        L->capheap = nc;
    }
    char *copy = strdup(line);
    if (!copy) return sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
    size_t i = L->nheap++;
    L->heap[i] = (pending){t_ns, L->seq++, f, copy};
    while (i && before(&L->heap[i], &L->heap[(i - 1) / 2])) {
        pending t = L->heap[i];
        L->heap[i] = L->heap[(i - 1) / 2];
        L->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return SG_OK;
}

/* DIR/hosts and DIR/hosts/<name> (DIR exists: the Zeek logs made it) */
static sg_status make_dirs(const sg_host_logs *L, const char *host, sg_error *err)
{
    char d[1024];
    for (int k = 0; k < 2; k++) {
        if (k) snprintf(d, sizeof d, "%s/hosts/%s", L->dir, host);
        else snprintf(d, sizeof d, "%s/hosts", L->dir);
        if (mkdir(d, 0755) != 0 && errno != EEXIST) return sg_error_set(err, SG_ERR_IO, "%s: cannot create: %s", d, strerror(errno));
    }
    return SG_OK;
}

static sg_status open_file(sg_host_logs *L, hfile *f, sg_error *err)
{
    sg_status s = make_dirs(L, L->cfg->hosts[f->host].name, err);
    return s == SG_OK ? sg_outfile_open(&f->out, f->path, err) : s;
}

/* writes every pending record older than t_ns (INT64_MAX: all) */
static sg_status flush_until(sg_host_logs *L, int64_t t_ns, sg_error *err)
{
    while (L->nheap && L->heap[0].t_ns < t_ns) {
        pending top = L->heap[0];
        L->heap[0] = L->heap[--L->nheap];
        for (size_t i = 0;;) {
            size_t l = 2 * i + 1, r = l + 1, m = i;
            if (l < L->nheap && before(&L->heap[l], &L->heap[m])) m = l;
            if (r < L->nheap && before(&L->heap[r], &L->heap[m])) m = r;
            if (m == i) break;
            pending t = L->heap[i];
            L->heap[i] = L->heap[m];
            L->heap[m] = t;
            i = m;
        }
        sg_status s = top.file->out ? SG_OK : open_file(L, top.file, err);
        if (s == SG_OK && fputs(top.line, sg_outfile_fp(top.file->out)) == EOF)
            s = sg_error_set(err, SG_ERR_IO, "%s: write failed: %s", top.file->path, strerror(errno));
        free(top.line);
        if (s != SG_OK) return s;
        L->records++;
    }
    return SG_OK;
}

/* ---- lifecycle ---- */

sg_status sg_host_logs_create(const char *dir, const sg_netcfg *cfg, uint64_t seed, sg_host_logs **out, sg_error *err)
{
    *out = NULL;
    if (!cfg) return sg_error_set(err, SG_ERR_INVALID, "host logs need a network config (--config): they are the config's hosts' logs");
    if (strlen(dir) > 800) return sg_error_set(err, SG_ERR_INVALID, "%.80s...: log folder name too long", dir);
    sg_host_logs *L = calloc(1, sizeof *L);
    if (!L || !(L->h = calloc(cfg->nhosts + 1, sizeof *L->h))) {
        free(L);
        return sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
    }
    L->cfg = cfg;
    L->seed = seed;
    snprintf(L->dir, sizeof L->dir, "%s", dir);
    for (size_t i = 0; i < cfg->nhosts; i++) {
        snprintf(L->h[i].auth.path, sizeof L->h[i].auth.path, "%s/hosts/%s/auth.log", dir, cfg->hosts[i].name);
        snprintf(L->h[i].ecs.path, sizeof L->h[i].ecs.path, "%s/hosts/%s/endpoint.ndjson", dir, cfg->hosts[i].name);
        snprintf(L->h[i].access.path, sizeof L->h[i].access.path, "%s/hosts/%s/access.log", dir, cfg->hosts[i].name);
        snprintf(L->h[i].resolver.path, sizeof L->h[i].resolver.path, "%s/hosts/%s/resolver.log", dir, cfg->hosts[i].name);
        snprintf(L->h[i].hdfs.path, sizeof L->h[i].hdfs.path, "%s/hosts/%s/hdfs.log", dir, cfg->hosts[i].name);
        L->h[i].auth.host = L->h[i].ecs.host = L->h[i].access.host = L->h[i].resolver.host = L->h[i].hdfs.host = i;
    }
    *out = L;
    return SG_OK;
}

static void free_all(sg_host_logs *L, int abort_files)
{
    for (size_t i = 0; i < L->nheap; i++) free(L->heap[i].line);
    free(L->heap);
    for (size_t i = 0; i < L->cfg->nhosts; i++) {
        if (abort_files) {
            sg_outfile_abort(L->h[i].auth.out);
            sg_outfile_abort(L->h[i].ecs.out);
            sg_outfile_abort(L->h[i].access.out);
            sg_outfile_abort(L->h[i].resolver.out);
            sg_outfile_abort(L->h[i].hdfs.out);
            char d[1024]; /* a host folder left empty by the aborted files goes too */
            snprintf(d, sizeof d, "%s/hosts/%s", L->dir, L->cfg->hosts[i].name);
            (void)rmdir(d);
        }
        free(L->h[i].procs);
    }
    free(L->h);
    free(L);
}

sg_status sg_host_logs_close(sg_host_logs *L, uint64_t *records, sg_error *err)
{
    if (!L) return SG_OK;
    sg_status s = flush_until(L, INT64_MAX, err);
    if (records) *records = L->records;
    if (s == SG_OK) { /* the hosts folder exists even when no host logged anything */
        char d[1024];
        snprintf(d, sizeof d, "%s/hosts", L->dir);
        if (mkdir(d, 0755) != 0 && errno != EEXIST) s = sg_error_set(err, SG_ERR_IO, "%s: cannot create: %s", d, strerror(errno));
    }
    for (size_t i = 0; s == SG_OK && i < L->cfg->nhosts; i++) {
        hfile *fs[] = {&L->h[i].auth, &L->h[i].ecs, &L->h[i].access, &L->h[i].resolver, &L->h[i].hdfs};
        for (size_t k = 0; s == SG_OK && k < sizeof fs / sizeof fs[0]; k++)
            if (fs[k]->out && (s = sg_outfile_commit(fs[k]->out, err)) == SG_OK) fs[k]->out = NULL;
    }
    free_all(L, 1);
    return s;
}

void sg_host_logs_destroy(sg_host_logs *L)
{
    if (L) free_all(L, 1);
}

void sg_host_logs_set_hdfs_model(sg_host_logs *L, const sg_tadam_model *m) { L->hdfs = m; }

/* ---- helpers ---- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t key(const sg_host_logs *L, uint64_t a, uint64_t b) { return mix(mix(L->seed ^ 0x686f73746c6f6773ULL) ^ mix(a) ^ (b * 0x9e3779b97f4a7c15ULL)); }

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* RFC 3339 UTC with microseconds and a zone suffix: "+00:00" (syslog) or "Z" (ECS) */
static void rfc3339(int64_t t_ns, const char *zone, char *out, size_t n)
{
    sg_time_fields t;
    sg_time_split(sg_floor_div(t_ns, 1000), &t);
    snprintf(out, n, "%04d-%02u-%02uT%02u:%02u:%02u.%06u%s", (int)t.year, t.month, t.day, t.hour, t.minute, t.second,
             (unsigned)t.micro, zone);
}

static const char *const users[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"};
/* what brute-force tools try (OpenSSH logs "invalid user" for names without an account) */
static const char *const guesses[] = {"admin", "test", "user", "oracle", "postgres", "ubuntu", "guest", "ftpuser", "pi", "support"};

/* the account a client host uses (a person per workstation, stable over the run) */
static const char *user_of(const char *client_ip) { return users[str_hash(client_ip) % (sizeof users / sizeof users[0])]; }

/* ---- sshd ---- */

static int is_ssh(const sg_pkt_conn *c) { return c->proto == SG_PROTO_TCP && (c->service_port == 22 || c->dst_port == 22); }

static sg_status auth_line(sg_host_logs *L, size_t h, int64_t t_ns, uint32_t pid, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static sg_status auth_line(sg_host_logs *L, size_t h, int64_t t_ns, uint32_t pid, const char *fmt, ...)
{
    char ts[48], msg[512], line[700];
    rfc3339(t_ns, "+00:00", ts, sizeof ts);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%s %s sshd[%u]: %s\n", ts, L->cfg->hosts[h].name, pid, msg);
    return push_line(L, &L->h[h].auth, t_ns, line, NULL);
}

static sg_status sshd(sg_host_logs *L, size_t h, const sg_flow *f, const sg_pkt *p, size_t n, uint64_t index, sg_error *err)
{
    /* the handshake: a server SYN/ACK then client data */
    size_t i = 0, synack = SIZE_MAX;
    for (; i < n && synack == SIZE_MAX; i++)
        if (p[i].dir == SG_DIR_BWD && (p[i].tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) == (SG_TCP_SYN | SG_TCP_ACK)) synack = i;
    /* established: the client acknowledges the SYN/ACK (a SYN scan resets instead: the kernel
     * never hands the connection to sshd, which logs nothing) */
    size_t est = SIZE_MAX;
    for (i = synack + 1; synack != SIZE_MAX && i < n && est == SIZE_MAX; i++)
        if (p[i].dir == SG_DIR_FWD) est = p[i].tcp_flags & SG_TCP_RST ? n : i;
    if (est >= n) return SG_OK;
    uint64_t k = key(L, index, 1);
    uint32_t pid = 1000 + (uint32_t)(k % 64000);
    /* data messages after the handshake, and failure answers (a server message >= 1.5 s after the
     * client's) */
    size_t data = 0, fails = 0;
    int64_t last_cli = INT64_MIN, t_fail_last = 0, t_auth = 0;
    for (i = synack + 1; i < n; i++) {
        if (!p[i].payload_len || (p[i].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_RETX) continue; /* a copy: no new message */
        data++;
        if (p[i].dir == SG_DIR_FWD) {
            last_cli = p[i].t_ns;
        } else if (last_cli != INT64_MIN && p[i].t_ns - last_cli >= FAIL_DELAY_NS) {
            fails++;
            t_fail_last = p[i].t_ns;
        }
        if (data == 8 && !t_auth) t_auth = p[i].t_ns; /* banners, KEXINIT x2, ECDH, NEWKEYS, service: then auth */
    }
    const int64_t t_end = p[n - 1].t_ns;
    char ip[SG_ADDR_MAX];
    snprintf(ip, sizeof ip, "%s", f->src_ip);
    sg_status s = SG_OK;
    if (fails) {
        const char *u = guesses[key(L, index, 2) % (sizeof guesses / sizeof guesses[0])];
        unsigned long nf = 0;
        last_cli = INT64_MIN;
        for (i = synack + 1; s == SG_OK && i < n; i++) {
            if (!p[i].payload_len || (p[i].tcp_flags & SG_PKT_NOISE_MASK) == SG_PKT_RETX) continue;
            if (p[i].dir == SG_DIR_FWD) last_cli = p[i].t_ns;
            else if (last_cli != INT64_MIN && p[i].t_ns - last_cli >= FAIL_DELAY_NS) {
                nf++;
                s = auth_line(L, h, p[i].t_ns, pid, "Failed password for invalid user %s from %s port %u ssh2", u, ip, f->src_port);
                if (s == SG_OK && nf == 1)
                    s = auth_line(L, h, last_cli, pid, "Invalid user %s from %s port %u", u, ip, f->src_port);
            }
        }
        if (s == SG_OK) s = auth_line(L, h, t_end > t_fail_last ? t_end : t_fail_last, pid,
                                      "Connection closed by invalid user %s %s port %u [preauth]", u, ip, f->src_port);
    } else if (data < 10) {
        s = auth_line(L, h, t_end, pid, "Connection closed by %s port %u [preauth]", ip, f->src_port);
    } else {
        const char *u = user_of(f->src_ip);
        /* the client's key fingerprint: stable per client address */
        char b64[44];
        static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int j = 0; j < 43; j++) b64[j] = al[key(L, str_hash(f->src_ip), 100 + (uint64_t)j) & 63];
        b64[43] = 0;
        unsigned uid = 1000 + (unsigned)(str_hash(u) % 50);
        s = auth_line(L, h, t_auth, pid, "Accepted publickey for %s from %s port %u ssh2: ED25519 SHA256:%s", u, ip, f->src_port, b64);
        if (s == SG_OK) s = auth_line(L, h, t_auth + 1000, pid, "pam_unix(sshd:session): session opened for user %s(uid=%u) by (uid=0)", u, uid);
        if (s == SG_OK) s = auth_line(L, h, t_end, pid, "Received disconnect from %s port %u:11: disconnected by user", ip, f->src_port);
        if (s == SG_OK) s = auth_line(L, h, t_end, pid, "Disconnected from user %s %s port %u", u, ip, f->src_port);
        if (s == SG_OK) s = auth_line(L, h, t_end + 2000, pid, "pam_unix(sshd:session): session closed for user %s", u);
    }
    return s == SG_OK ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
}

/* ---- endpoint events (ECS) ---- */

typedef struct app {
    const char *name, *exe, *parent, *parent_exe;
} app;

/* the process of a host that uses (client) or offers (server) a service, per operating system */
static app app_of(uint16_t port, int windows, int server)
{
#define A(n, e, p, pe) return (app){n, e, p, pe}
    switch (port) {
    case 80: case 443: case 8080: case 8443:
        if (server) { if (windows) A("w3wp.exe", "C:\\Windows\\System32\\inetsrv\\w3wp.exe", "svchost.exe", "C:\\Windows\\System32\\svchost.exe"); A("nginx", "/usr/sbin/nginx", "systemd", "/usr/lib/systemd/systemd"); }
        if (windows) A("chrome.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "explorer.exe", "C:\\Windows\\explorer.exe");
        A("firefox", "/usr/lib/firefox/firefox", "gnome-shell", "/usr/bin/gnome-shell");
    case 53:
        if (server) { if (windows) A("dns.exe", "C:\\Windows\\System32\\dns.exe", "services.exe", "C:\\Windows\\System32\\services.exe"); A("named", "/usr/sbin/named", "systemd", "/usr/lib/systemd/systemd"); }
        if (windows) A("svchost.exe", "C:\\Windows\\System32\\svchost.exe", "services.exe", "C:\\Windows\\System32\\services.exe");
        A("systemd-resolved", "/usr/lib/systemd/systemd-resolved", "systemd", "/usr/lib/systemd/systemd");
    case 22:
        if (server) { if (windows) A("sshd.exe", "C:\\Windows\\System32\\OpenSSH\\sshd.exe", "services.exe", "C:\\Windows\\System32\\services.exe"); A("sshd", "/usr/sbin/sshd", "systemd", "/usr/lib/systemd/systemd"); }
        if (windows) A("ssh.exe", "C:\\Windows\\System32\\OpenSSH\\ssh.exe", "powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
        A("ssh", "/usr/bin/ssh", "bash", "/usr/bin/bash");
    case 445: case 139: case 137: case 138:
        if (windows) A("System", "System", "", "");
        if (server) A("smbd", "/usr/sbin/smbd", "systemd", "/usr/lib/systemd/systemd");
        A("gvfsd-smb", "/usr/libexec/gvfsd-smb", "gvfsd", "/usr/libexec/gvfsd");
    case 123:
        if (windows) A("svchost.exe", "C:\\Windows\\System32\\svchost.exe", "services.exe", "C:\\Windows\\System32\\services.exe");
        if (server) A("chronyd", "/usr/sbin/chronyd", "systemd", "/usr/lib/systemd/systemd");
        A("systemd-timesyncd", "/usr/lib/systemd/systemd-timesyncd", "systemd", "/usr/lib/systemd/systemd");
    case 25: case 465: case 587: case 143: case 993: case 110: case 995:
        if (server) { if (windows) A("MSExchangeFrontendTransport.exe", "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\MSExchangeFrontendTransport.exe", "services.exe", "C:\\Windows\\System32\\services.exe");
                      if (port == 143 || port == 993 || port == 110 || port == 995) A("imap-login", "/usr/lib/dovecot/imap-login", "dovecot", "/usr/sbin/dovecot");
                      A("smtpd", "/usr/lib/postfix/sbin/smtpd", "master", "/usr/lib/postfix/sbin/master"); }
        if (windows) A("OUTLOOK.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "explorer.exe", "C:\\Windows\\explorer.exe");
        A("thunderbird", "/usr/lib/thunderbird/thunderbird", "gnome-shell", "/usr/bin/gnome-shell");
    case 88: case 389: case 636: case 3268: case 464:
        if (windows) A("lsass.exe", "C:\\Windows\\System32\\lsass.exe", "wininit.exe", "C:\\Windows\\System32\\wininit.exe");
        if (server) A("slapd", "/usr/sbin/slapd", "systemd", "/usr/lib/systemd/systemd");
        A("sssd_be", "/usr/libexec/sssd/sssd_be", "sssd", "/usr/sbin/sssd");
    case SG_HDFS_DATANODE_PORT: /* HDFS's DataNode is a JVM on either side (the client: a MapReduce task) */
        if (server) A("java", "/usr/lib/jvm/java-8-openjdk-amd64/bin/java", "systemd", "/usr/lib/systemd/systemd");
        A("java", "/usr/lib/jvm/java-8-openjdk-amd64/bin/java", "bash", "/usr/bin/bash");
    case 67: case 68:
        if (windows) A("svchost.exe", "C:\\Windows\\System32\\svchost.exe", "services.exe", "C:\\Windows\\System32\\services.exe");
        if (server) A("dhcpd", "/usr/sbin/dhcpd", "systemd", "/usr/lib/systemd/systemd");
        A("NetworkManager", "/usr/sbin/NetworkManager", "systemd", "/usr/lib/systemd/systemd");
    default:
        if (windows) A("svchost.exe", "C:\\Windows\\System32\\svchost.exe", "services.exe", "C:\\Windows\\System32\\services.exe");
        if (server) A("xinetd", "/usr/sbin/xinetd", "systemd", "/usr/lib/systemd/systemd");
        A("python3", "/usr/bin/python3", "bash", "/usr/bin/bash");
    }
#undef A
}

/* a stable pid per (host, process name): daemons and session processes keep theirs for the run */
static uint32_t pid_of(const sg_host_logs *L, size_t h, const char *name)
{
    if (!strcmp(name, "System")) return 4;
    if (!strcmp(name, "systemd")) return 1;
    return 300 + (uint32_t)(key(L, h, str_hash(name)) % 60000);
}

static void entity_id(const sg_host_logs *L, size_t h, const char *name, char out[40])
{
    snprintf(out, 40, "%016" PRIx64 "%016" PRIx64, key(L, h, str_hash(name)), key(L, h + 7, str_hash(name)));
}

/* the common part of an event: time, host, process, user */
static json_t *event(const sg_host_logs *L, size_t h, int64_t t_ns, const char *category, const char *type, const char *type2,
                     const char *action, const app *a, const char *user)
{
    const sg_net_host *hh = &L->cfg->hosts[h];
    int windows = hh->os == SG_NET_OS_WINDOWS;
    char ts[40], eid[40];
    rfc3339(t_ns, "Z", ts, sizeof ts);
    json_t *types = json_array();
    json_array_append_new(types, json_string(type));
    if (type2) json_array_append_new(types, json_string(type2));
    json_t *o = json_object();
    json_object_set_new(o, "@timestamp", json_string(ts));
    json_object_set_new(o, "event", json_pack("{s:s, s:[s], s:o, s:s, s:s}", "kind", "event", "category", category, "type", types,
                                              "action", action, "dataset", "secgen.endpoint"));
    json_t *ips = json_array();
    for (size_t k = 0; k < hh->nifaces; k++) {
        char ip[SG_ADDR_MAX];
        if (inet_ntop(hh->ifaces[k].is_v6 ? AF_INET6 : AF_INET, hh->ifaces[k].addr, ip, sizeof ip))
            json_array_append_new(ips, json_string(ip));
    }
    json_object_set_new(o, "host", json_pack("{s:s, s:o, s:{s:s}}", "name", hh->name, "ip", ips, "os", "type", windows ? "windows" : "linux"));
    entity_id(L, h, a->name, eid);
    json_t *proc = json_pack("{s:i, s:s, s:s, s:s}", "pid", (json_int_t)pid_of(L, h, a->name), "name", a->name, "executable", a->exe,
                             "entity_id", eid);
    if (a->parent[0])
        json_object_set_new(proc, "parent", json_pack("{s:i, s:s, s:s}", "pid", (json_int_t)pid_of(L, h, a->parent), "name", a->parent,
                                                      "executable", a->parent_exe));
    json_object_set_new(o, "process", proc);
    if (user) json_object_set_new(o, "user", json_pack("{s:s}", "name", user));
    return o;
}

static sg_status emit_json(sg_host_logs *L, size_t h, int64_t t_ns, json_t *o, sg_error *err)
{
    if (!o) return sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s) return sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
    size_t n = strlen(s);
    char *line = malloc(n + 2);
    if (!line) {
        free(s);
        return sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
    }
    memcpy(line, s, n);
    line[n] = '\n';
    line[n + 1] = 0;
    free(s);
    sg_status st = push_line(L, &L->h[h].ecs, t_ns, line, err);
    free(line);
    return st;
}

/* has host h's process `name` been started in this run? (then no start event again) */
static int started(sg_host_logs *L, size_t h, const char *name, int *oom)
{
    hstate *s = &L->h[h];
    for (size_t i = 0; i < s->nprocs; i++)
        if (!strcmp(s->procs[i].name, name)) return 1;
    if (s->nprocs == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 8;
        proc *n = realloc(s->procs, nc * sizeof *n);
        if (!n) return *oom = 1, 1;
        s->procs = n;
        s->cap = nc;
    }
    snprintf(s->procs[s->nprocs++].name, sizeof s->procs[0].name, "%s", name);
    return 0;
}

static const char *const downloads[] = {"quarterly-report.pdf", "setup.msi", "photos.zip", "presentation.pptx", "dataset.csv",
                                        "update.exe", "manual.pdf", "backup.tar.gz", "invoice.pdf", "drivers.zip"};
#define DOWNLOAD_MIN_BYTES 1000000 /* a response this large is saved to disk (a download) */

/* the ECS network connection event of a config endpoint (attempted by the client, accepted by the
 * server), with the flow's community_id and the HDFS block the connection wrote */
static sg_status connection_event(sg_host_logs *L, size_t h, int server, const sg_flow *f, const sg_pkt_conn *c, const app *a,
                                  const char *user, int64_t t0, const char *cid, const char *block, sg_error *err)
{
    json_t *o = event(L, h, t0, "network", "connection", "start", server ? "connection-accepted" : "connection-attempted", a, user);
    if (!o) return sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
    json_object_set_new(o, "source", json_pack("{s:s, s:i}", "ip", f->src_ip, "port", (json_int_t)f->src_port));
    json_object_set_new(o, "destination", json_pack("{s:s, s:i}", "ip", f->dst_ip, "port", (json_int_t)f->dst_port));
    const char *tr = c->proto == SG_PROTO_TCP ? "tcp" : c->proto == SG_PROTO_UDP ? "udp" : c->proto == SG_PROTO_ICMP ? "icmp" : "ipv6-icmp";
    json_t *net = json_pack("{s:s, s:s}", "transport", tr, "direction", server ? "ingress" : "egress");
    if (cid[0]) json_object_set_new(net, "community_id", json_string(cid));
    json_object_set_new(o, "network", net);
    /* the HDFS block this connection wrote: the key of the DataNode's hdfs.log lines */
    if (block) json_object_set_new(o, "labels", json_pack("{s:s}", "hdfs_block_id", block));
    return emit_json(L, h, t0, o, err);
}

static sg_status endpoint(sg_host_logs *L, size_t h, int server, const sg_flow *f, const sg_pkt_conn *c, const sg_pkt *p, size_t n,
                          uint64_t index, const char *cid, const char *block, sg_error *err)
{
    const sg_net_host *hh = &L->cfg->hosts[h];
    int windows = hh->os == SG_NET_OS_WINDOWS;
    app a = app_of(c->service_port, windows, server);
    const char *user = server ? NULL : (strcmp(a.name, "System") && strcmp(a.parent, "services.exe") && strcmp(a.parent, "systemd") &&
                                        strcmp(a.parent, "wininit.exe") ? user_of(f->src_ip) : NULL);
    int64_t t0 = p[0].t_ns;
    sg_status s = SG_OK;
    int oom = 0;
    /* a TCP connection seen from its middle (no SYN: a record of a connection established before
     * it, docs/packets.md "Mid-stream records") was opened, and logged, before: no process start
     * and no connection event now; a download it carries still ends in a file */
    int opened = c->proto != SG_PROTO_TCP || (p[0].tcp_flags & SG_TCP_SYN);
    /* a client process the user starts: its start event once, just before its first connection */
    if (opened && !server && user && !started(L, h, a.name, &oom)) {
        json_t *o = event(L, h, t0 - 40 * 1000000, "process", "start", NULL, "process-started", &a, user);
        if (o) json_object_set_new(json_object_get(o, "process"), "args", json_pack("[s]", a.exe));
        s = emit_json(L, h, t0 - 40 * 1000000, o, err);
    }
    if (oom) return sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
    if (s != SG_OK) return s;
    if (opened) s = connection_event(L, h, server, f, c, &a, user, t0, cid, block, err);
    if (s != SG_OK) return s;
    /* a large web response on a client: the browser saves a file */
    uint64_t resp = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].dir == SG_DIR_BWD && (c->proto != SG_PROTO_TCP || (p[i].tcp_flags & SG_PKT_NOISE_MASK) != SG_PKT_RETX))
            resp += p[i].payload_len;
    if (server || resp < DOWNLOAD_MIN_BYTES || strcmp(app_of(443, windows, 0).name, a.name)) return SG_OK;
    const char *fname = downloads[key(L, index, 4) % (sizeof downloads / sizeof downloads[0])];
    char path[256];
    if (windows) snprintf(path, sizeof path, "C:\\Users\\%s\\Downloads\\%s", user ? user : "user", fname);
    else snprintf(path, sizeof path, "/home/%s/Downloads/%s", user ? user : "user", fname);
    int64_t t1 = p[n - 1].t_ns;
    json_t *o = event(L, h, t1, "file", "creation", NULL, "file-created", &a, user);
    if (!o) return sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
    json_object_set_new(o, "file", json_pack("{s:s, s:s, s:I}", "path", path, "name", fname, "size", (json_int_t)resp));
    if (cid[0]) json_object_set_new(o, "network", json_pack("{s:s}", "community_id", cid));
    return emit_json(L, h, t1, o, err);
}

/* ---- the web server's access log and the resolver's query log (application messages) ---- */

typedef struct app_walk {
    sg_host_logs *L;
    size_t h;
    const sg_flow *f;
    const sg_pkt *p;
    uint64_t index;
    int have_req;
    sg_app_event req;
    sg_status st;
} app_walk;

/* "[07/Dec/2026:10:00:12 +0000]" */
static void clf_time(int64_t t_ns, char *out, size_t n)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    sg_time_fields t;
    sg_time_split(sg_floor_div(t_ns, 1000), &t);
    snprintf(out, n, "[%02u/%s/%04d:%02u:%02u:%02u +0000]", t.day, mon[(t.month - 1) % 12], (int)t.year, t.hour, t.minute, t.second);
}

/* a quoted combined-log field: '"' and '\' escaped, non-printables as \xHH (nginx's escaping) */
static void clf_quote(const char *v, char *out, size_t n)
{
    size_t k = 0;
    for (const unsigned char *c = (const unsigned char *)v; *c && k + 5 < n; c++) {
        if (*c == '"' || *c == '\\' || *c < 0x20 || *c >= 0x7f) k += (size_t)snprintf(out + k, n - k, "\\x%02X", *c);
        else out[k++] = (char)*c;
    }
    out[k] = 0;
}

static void access_line(app_walk *w, const sg_app_event *rep)
{
    const sg_app_event *q = &w->req;
    char ts[40], uri[400], ua[400], line[1200];
    clf_time(w->p[q->pkt].t_ns, ts, sizeof ts);
    clf_quote(q->uri, uri, sizeof uri);
    clf_quote(q->user_agent[0] ? q->user_agent : "-", ua, sizeof ua);
    uint64_t body = rep ? rep->body : 0;
    /* nginx's combined format; a request never answered is logged 499 (client closed) */
    snprintf(line, sizeof line, "%s - - %s \"%s %s HTTP/1.1\" %u %" PRIu64 " \"-\" \"%s\"\n", w->f->src_ip, ts, q->method, uri,
             rep ? rep->status : 499u, body, ua);
    if (w->st == SG_OK) w->st = push_line(w->L, &w->L->h[w->h].access, w->p[q->pkt].t_ns, line, NULL);
}

static void http_msg(void *ctx, const sg_app_event *e)
{
    app_walk *w = ctx;
    if (e->type == SG_APP_HTTP_REQUEST) {
        if (w->have_req) access_line(w, NULL);
        w->req = *e;
        w->have_req = 1;
    } else if (e->type == SG_APP_HTTP_REPLY && w->have_req) {
        access_line(w, e);
        w->have_req = 0;
    }
}

/* dnsmasq's query log (syslog lines): "query[A] NAME from CLIENT", then "reply NAME is ADDRESS"
 * per answer, as `log-queries` writes them */
static void dns_msg(void *ctx, const sg_app_event *e)
{
    app_walk *w = ctx;
    if (e->type != SG_APP_DNS_QUERY && e->type != SG_APP_DNS_REPLY) return;
    const int64_t t = w->p[e->pkt].t_ns;
    char ts[48], line[600];
    rfc3339(t, "+00:00", ts, sizeof ts);
    const char *host = w->L->cfg->hosts[w->h].name;
    uint32_t pid = pid_of(w->L, w->h, "dnsmasq");
    if (e->type == SG_APP_DNS_QUERY) {
        snprintf(line, sizeof line, "%s %s dnsmasq[%u]: query[A] %s from %s\n", ts, host, pid, e->name, w->f->src_ip);
        if (w->st == SG_OK) w->st = push_line(w->L, &w->L->h[w->h].resolver, t, line, NULL);
        return;
    }
    size_t na = e->n_answers < SG_APP_MAX_ANSWERS ? e->n_answers : SG_APP_MAX_ANSWERS;
    if (!na) snprintf(line, sizeof line, "%s %s dnsmasq[%u]: reply %s is NODATA-IPv4\n", ts, host, pid, e->name);
    for (size_t i = 0; i < na || (!na && i == 0); i++) {
        if (na)
            snprintf(line, sizeof line, "%s %s dnsmasq[%u]: reply %s is %u.%u.%u.%u\n", ts, host, pid, e->name, e->answers[i][0],
                     e->answers[i][1], e->answers[i][2], e->answers[i][3]);
        if (w->st == SG_OK) w->st = push_line(w->L, &w->L->h[w->h].resolver, t, line, NULL);
    }
}

/* Replayed packets carry their real bytes (sg_pkt.payload): the request line and the status are
 * read from them, as the web server would, so a replayed attack's URIs reach the access log. */
static int copy_token(const uint8_t *b, size_t n, size_t *at, char *out, size_t cap)
{
    size_t k = 0;
    while (*at < n && b[*at] != ' ' && b[*at] != '\r' && b[*at] != '\n' && k + 1 < cap) out[k++] = (char)b[(*at)++];
    out[k] = 0;
    return k > 0 && *at < n && b[*at] == ' ' ? ((*at)++, 0) : -1;
}

static void replayed_http(app_walk *w, const sg_pkt *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *b = p[i].payload;
        size_t len = p[i].payload_len, at = 0;
        if (!b || !len) continue;
        sg_app_event e;
        memset(&e, 0, sizeof e);
        e.pkt = i;
        e.len = (uint32_t)len;
        if (p[i].dir == SG_DIR_FWD) {
            if (copy_token(b, len, &at, e.method, sizeof e.method) || copy_token(b, len, &at, e.uri, sizeof e.uri) ||
                e.uri[0] != '/')
                continue;
            for (size_t j = at; j + 12 < len; j++) /* User-Agent header, if any */
                if (!memcmp(b + j, "\r\nUser-Agent: ", 14)) {
                    size_t k = 0, q = j + 14;
                    while (q < len && b[q] != '\r' && k + 1 < sizeof e.user_agent) e.user_agent[k++] = (char)b[q++];
                    e.user_agent[k] = 0;
                    break;
                }
            e.type = SG_APP_HTTP_REQUEST;
        } else {
            if (len < 12 || memcmp(b, "HTTP/1.", 7)) continue;
            e.status = (uint32_t)((b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0'));
            for (size_t j = 0; j + 4 <= len; j++)
                if (!memcmp(b + j, "\r\n\r\n", 4)) {
                    e.head = (uint32_t)(j + 4);
                    break;
                }
            if (!e.head) e.head = (uint32_t)len;
            e.type = SG_APP_HTTP_REPLY;
            /* keep-alive: this reply's bytes run to the next reply */
            uint64_t resp = len;
            for (size_t j = i + 1; j < n; j++) {
                if (p[j].dir != SG_DIR_BWD) continue;
                if (p[j].payload && p[j].payload_len >= 7 && !memcmp(p[j].payload, "HTTP/1.", 7)) break;
                resp += p[j].payload_len;
            }
            e.body = resp - e.head;
        }
        http_msg(w, &e);
    }
}

static int is_web(const sg_pkt_conn *c) { return c->proto == SG_PROTO_TCP && (c->service_port == 80 || c->service_port == 8080); }
static int is_dns(const sg_pkt_conn *c) { return c->service_port == 53; }

static sg_status app_logs(sg_host_logs *L, size_t h, const sg_flow *f, const sg_pkt_conn *c, const sg_pkt *p, size_t n,
                          uint64_t index, sg_error *err)
{
    app_walk w = {.L = L, .h = h, .f = f, .p = p, .index = index, .st = SG_OK};
    if (is_web(c)) {
        sg_packets_app_walk(c, p, n, http_msg, &w);
        replayed_http(&w, p, n);
        if (w.have_req) access_line(&w, NULL);
    } else if (is_dns(c)) {
        sg_packets_app_walk(c, p, n, dns_msg, &w);
    }
    return w.st == SG_OK ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "host logs: out of memory");
}

typedef struct hdfs_emit_ctx {
    sg_host_logs *L;
    size_t h;
} hdfs_emit_ctx;

static sg_status hdfs_emit(void *ctx, int64_t t_ns, const char *line, sg_error *err)
{
    hdfs_emit_ctx *c = ctx;
    return push_line(c->L, &c->L->h[c->h].hdfs, t_ns, line, err);
}

sg_status sg_host_logs_observe(void *ctx, const sg_flow *f, const sg_pkt_conn *conn, const sg_pkt *pkts, size_t n, uint64_t index,
                               sg_error *err)
{
    sg_host_logs *L = ctx;
    if (!n) return SG_OK;
    /* connections arrive in start order and no record precedes its connection's start by more than
     * 40 ms (a process start): what is older than this start minus a second is final */
    sg_status s = flush_until(L, pkts[0].t_ns - NS_PER_S, err);
    if (s != SG_OK) return s;
    long cli = sg_netcfg_find_addr(L->cfg, f->src_ip), srv = sg_netcfg_find_addr(L->cfg, f->dst_ip);
    char cid[SG_COMMUNITY_ID_LEN];
    if (sg_community_id_flow(0, f, cid) != 0) cid[0] = 0;
    char block[32];
    int hdfs = srv >= 0 && L->hdfs && sg_hdfs_is_block_write(conn, pkts, n);
    if (hdfs) sg_hdfs_block_id(L->seed, index, block, sizeof block);
    if (cli >= 0 && (s = endpoint(L, (size_t)cli, 0, f, conn, pkts, n, index, cid, NULL, err)) != SG_OK) return s;
    if (srv >= 0 && (s = endpoint(L, (size_t)srv, 1, f, conn, pkts, n, index, cid, hdfs ? block : NULL, err)) != SG_OK) return s;
    if (hdfs) {
        hdfs_emit_ctx hc = {L, (size_t)srv};
        if ((s = sg_hdfs_block_log(L->hdfs, L->seed, index, L->cfg, f, pkts, n, hdfs_emit, &hc, err)) != SG_OK) return s;
    }
    if (srv >= 0 && is_ssh(conn) && L->cfg->hosts[srv].os != SG_NET_OS_WINDOWS) s = sshd(L, (size_t)srv, f, pkts, n, index, err);
    if (s == SG_OK && srv >= 0 && (is_web(conn) || is_dns(conn))) s = app_logs(L, (size_t)srv, f, conn, pkts, n, index, err);
    return s;
}
