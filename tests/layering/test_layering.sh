#!/usr/bin/env bash
# The build enforces design.md's layering (cmake/modules.cmake): a module compiles against the
# headers of the modules it may use only, and its objects link with theirs alone. Here: allowed
# includes and calls pass, a forbidden include fails to compile, a forbidden call fails to link,
# and every module's link check was built.
set -u
: "${SECGEN:?}" "${TMPDIR:=/tmp}"
B=$(dirname "$SECGEN")
L=$B/layers
CC=${CC:-cc}
T=$(mktemp -d "$TMPDIR/layering.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -d "$L" ] || fail "no layer directories in $L"
inc() { echo "-I$L/$1/include -I$L/$1/src"; }
compiles() { # module source-text
    printf '%s\n' "$2" >"$T/x.c"
    # shellcheck disable=SC2046
    $CC -std=c17 -fsyntax-only $(inc "$1") "$T/x.c" 2>"$T/cc.err"
}
# allowed: own header, lower layers, own internal header
compiles fc '#include "secgen/fc.h"
#include "secgen/bn.h"
#include "secgen/flow.h"
#include "fc/fc_internal.h"' || { cat "$T/cc.err"; fail "fc cannot include its allowed headers"; }
compiles tadam '#include "secgen/tadam.h"
#include "tadam/tadam_internal.h"' || { cat "$T/cc.err"; fail "tadam cannot include its own headers"; }
# forbidden: a higher or sibling layer's header, another module's internal header
compiles bn '#include "secgen/tadam.h"' && fail "bn may include secgen/tadam.h"
grep -q "secgen/tadam.h" "$T/cc.err" || fail "the compiler error does not name the forbidden header"
compiles fc '#include "secgen/packets.h"' && fail "fc may include secgen/packets.h"
compiles core '#include "secgen/flow.h"' && fail "core may include secgen/flow.h"
compiles tadam '#include "fc/fc_internal.h"' && fail "tadam may include fc's internal header"
compiles eval '#include "secgen/tadam.h"' && fail "eval may include secgen/tadam.h"

# public headers pull in no third-party header (jansson, libyaml, libpcap stay the modules' own)
for h in "$SRC"/include/secgen/*.h; do
    printf '#include "%s"\n#if defined(JANSSON_H) || defined(YAML_H) || defined(lib_pcap_pcap_h)\n#error third-party header\n#endif\n' \
        "$h" >"$T/h.c"
    $CC -std=c17 -fsyntax-only -I"$SRC/include" "$T/h.c" 2>"$T/cc.err" || { cat "$T/cc.err"; fail "$(basename "$h") exposes a third-party header"; }
done

# link: a bn-level object calling bn links with bn's allowed objects; one calling tadam does not
objs=$(cat "$L/bn.link") || fail "no $L/bn.link"
flags="-fopenmp"
nm $objs 2>/dev/null | grep -q "__asan_init" && flags="$flags -fsanitize=address,undefined"
printf '#include "secgen/bn.h"\nint main(void) { sg_bn_destroy(NULL); return 0; }\n' >"$T/ok.c"
# shellcheck disable=SC2086
$CC $(inc bn) $flags "$T/ok.c" $objs -o "$T/ok" $(pkg-config --libs jansson) -lm 2>"$T/ld.err" ||
    { cat "$T/ld.err"; fail "an allowed call does not link"; }
printf '#include <stddef.h>\nvoid sg_tadam_model_destroy(void *m);\nvoid sg_bn_destroy(void *b) { (void)b; sg_tadam_model_destroy(NULL); }\n' >"$T/bad.c"
printf 'void sg_bn_destroy(void *b);\nint main(void) { sg_bn_destroy(0); return 0; }\n' >"$T/main.c"
# bad.c plays a bn object that calls tadam: linked with bn's layer only, the call is unresolved
others=$(grep -v "/src/bn/" "$L/bn.link")
# shellcheck disable=SC2086
$CC $flags "$T/main.c" "$T/bad.c" $others -o "$T/bad" $(pkg-config --libs jansson) -lm 2>"$T/ld.err" &&
    fail "a bn object calling tadam links with bn's layer"
grep -q "undefined reference to .sg_tadam_model_destroy" "$T/ld.err" ||
    { cat "$T/ld.err"; fail "the link error does not name the forbidden call"; }

# every module has its link check, built with the default target
for d in "$SRC"/src/*/; do
    m=$(basename "$d")
    [ "$m" = cli ] && continue
    [ -x "$B/secgen_layercheck_$m" ] || fail "no link check for module $m"
done
echo ok
