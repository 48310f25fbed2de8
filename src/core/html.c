/* HTML text escaping for the self-contained reports (evaluate, detect): one rule for every page.
 * Control characters become '?' so a hostile flow field cannot break the page's markup. */
#include "secgen/core.h"

void sg_html_escape(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc((unsigned char)*s < 0x20 ? '?' : *s, fp);
        }
    }
}
