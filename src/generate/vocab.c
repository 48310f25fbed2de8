/* The application vocabulary of the embedded models (models/app_vocab.json, written by
 * models/build_vocab.sh) -> sg_app_vocab (packets module). Format: an object whose lists
 * "hosts", "http_methods", "http_paths", "http_status", "dns_ttls" hold [value, weight] pairs
 * (weight: captures the value occurs in). A bad entry is an error naming the list and the entry. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "generate/vocab.h"

sg_status sg_generate_vocab_load(const char *name, const char *data, size_t n, sg_app_vocab **out, sg_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *j = json_loadb(data, n, 0, &je);
    if (!j) return sg_error_set(err, SG_ERR_PARSE, "%s:%d: %s", name, je.line, je.text);
    sg_app_vocab *v = NULL;
    sg_status s = sg_app_vocab_create(&v, err);
    static const struct { const char *key; sg_app_list list; } lists[] = {
        {"hosts", SG_APP_HOSTS}, {"http_methods", SG_APP_METHODS}, {"http_paths", SG_APP_PATHS},
        {"http_status", SG_APP_STATUS}, {"dns_ttls", SG_APP_TTLS}};
    if (s == SG_OK && (!json_is_object(j) || strcmp(json_string_value(json_object_get(j, "format")) ? json_string_value(json_object_get(j, "format")) : "", "secgen-app-vocab")))
        s = sg_error_set(err, SG_ERR_PARSE, "%s: not an application vocabulary (\"format\": \"secgen-app-vocab\" expected)", name);
    for (size_t k = 0; s == SG_OK && k < sizeof lists / sizeof *lists; k++) {
        json_t *a = json_object_get(j, lists[k].key);
        if (!a) continue; /* a missing list: the built-in one is used for it */
        if (!json_is_array(a)) { s = sg_error_set(err, SG_ERR_PARSE, "%s: \"%s\" is not a list", name, lists[k].key); break; }
        for (size_t i = 0; s == SG_OK && i < json_array_size(a); i++) {
            json_t *e = json_array_get(a, i), *val = json_array_get(e, 0), *w = json_array_get(e, 1);
            char buf[128];
            if (json_is_string(val)) snprintf(buf, sizeof buf, "%s", json_string_value(val));
            else if (json_is_integer(val)) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(val));
            else { s = sg_error_set(err, SG_ERR_PARSE, "%s: %s[%zu]: expected [value, weight]", name, lists[k].key, i); break; }
            if (!json_is_number(w) || json_array_size(e) != 2) {
                s = sg_error_set(err, SG_ERR_PARSE, "%s: %s[%zu]: expected [value, weight]", name, lists[k].key, i);
                break;
            }
            if ((s = sg_app_vocab_add(v, lists[k].list, buf, json_number_value(w), err)) != SG_OK) {
                char m[sizeof err->msg];
                snprintf(m, sizeof m, "%s", err->msg);
                sg_error_set(err, s, "%s: %s[%zu]: %s", name, lists[k].key, i, m);
            }
        }
    }
    json_decref(j);
    if (s != SG_OK) { sg_app_vocab_destroy(v); return s; }
    *out = v;
    return SG_OK;
}
