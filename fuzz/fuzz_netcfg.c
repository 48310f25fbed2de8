/* libFuzzer target: network configuration loader (YAML through libyaml, JSON through jansson;
 * the format is chosen from the content), then the queries generation makes on a loaded
 * config: host and address lookups, activity at a few times, local time, service names. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "secgen/netcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_netcfg *c = NULL;
    sg_error err = {0};
    /* TZ is process-wide: the loader sets it for IANA zones; keep runs independent */
    setenv("TZ", "UTC", 1);
    if (sg_netcfg_load_mem("fuzz.yaml", (const char *)data, size, &c, &err) != SG_OK) return 0;
    static const int64_t times[] = {0, 1491388262000000LL, 1500000000000000LL + 13 * 3600000000LL, -86400000000LL};
    for (size_t i = 0; i < c->nhosts; i++) {
        const sg_net_host *h = &c->hosts[i];
        if (sg_netcfg_find_host(c, h->name) < 0 && h->name[0]) __builtin_trap();
        for (size_t k = 0; k < h->nifaces; k++) {
            if (sg_netcfg_find_addr(c, h->ifaces[k].ip) != (long)i) __builtin_trap(); /* IPs are unique */
            for (size_t s = 0; s < h->ifaces[k].nservices; s++)
                (void)sg_net_service_name(h->ifaces[k].services[s].proto, h->ifaces[k].services[s].port);
        }
        for (size_t t = 0; t < sizeof times / sizeof times[0]; t++) {
            double keep;
            (void)sg_netcfg_active(c, h, times[t], &keep);
            if (keep < 0 || keep > 1) __builtin_trap();
        }
    }
    int mod, wd;
    sg_netcfg_local_time(c, times[1], &mod, &wd);
    if (mod < 0 || mod >= 24 * 60 || wd < 0 || wd > 6) __builtin_trap();
    sg_netcfg_destroy(c);
    return 0;
}
