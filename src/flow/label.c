/* Ground-truth label texts of flow datasets: which mean "normal" and which name an attack class.
 * One reading for the readers' users (secgen detect) and the writers (CIDDS class/attackType). */
#include "secgen/flow.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int has_word_ci(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; *s; s++)
        if (strncasecmp(s, w, n) == 0) return 1;
    return 0;
}

int sg_flow_label_class(const char *text, char *cls, size_t clsz)
{
    if (cls && clsz) cls[0] = '\0';
    if (!text) return -1;
    while (*text == ' ' || *text == '\t') text++;
    size_t len = strlen(text);
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r')) len--;
    if (len == 0) return -1;
    static const char *const normal[] = {"0", "benign", "normal", "background", "---"};
    for (size_t i = 0; i < sizeof normal / sizeof normal[0]; i++)
        if (strlen(normal[i]) == len && strncasecmp(text, normal[i], len) == 0) return 0;
    char buf[256];
    size_t m = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, text, m);
    buf[m] = '\0';
    /* CTU-13 / Stratosphere Argus labels: flow=From-Normal-V42-..., flow=Background-TCP-..., flow=From-Botnet-... */
    if (strncasecmp(buf, "flow=", 5) == 0) {
        if (has_word_ci(buf, "botnet")) {
            if (cls && clsz) snprintf(cls, clsz, "botnet");
            return 1;
        }
        if (has_word_ci(buf, "normal") || has_word_ci(buf, "background")) return 0;
    }
    if (cls && clsz) snprintf(cls, clsz, "%s", buf);
    return 1;
}
