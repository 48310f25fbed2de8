/* flow module: what a ground-truth label text means (sg_flow_label_class), the one reading used by
 * secgen detect, the label-writing flow writers and pairing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "secgen/flow.h"

static void test_label_class(void **state)
{
    (void)state;
    char c[64];
    static const char *const normal[] = {"0", "benign", "Normal", "BACKGROUND", "---", " benign ",
                                         "flow=Background-UDP-Established", "flow=To-Normal-V42-UDP-NTP"};
    for (size_t i = 0; i < sizeof normal / sizeof normal[0]; i++) {
        if (sg_flow_label_class(normal[i], c, sizeof c) != 0) fail_msg("'%s' should be normal", normal[i]);
    }
    assert_int_equal(sg_flow_label_class("portScan", c, sizeof c), 1);
    assert_string_equal(c, "portScan");
    assert_int_equal(sg_flow_label_class("1", c, sizeof c), 1);
    assert_string_equal(c, "1");
    assert_int_equal(sg_flow_label_class("flow=From-Botnet-V42-TCP-HTTP", c, sizeof c), 1);
    assert_string_equal(c, "botnet");
    assert_int_equal(sg_flow_label_class("", c, sizeof c), -1);
    assert_int_equal(sg_flow_label_class(NULL, c, sizeof c), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_label_class)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
