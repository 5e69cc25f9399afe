/*
 * echo: the smallest useful service, for throughput benchmarks.
 *   echo  -> the params, byte for byte (the request is canonical, so the result is too)
 *   ping  -> "pong"
 */
#include "../lib/tandem.h"

static int handle(const jnode *method, const jnode *params, tbuf *out) {
    if (json_str_eq(method, "echo")) {
        if (params) tb_put(out, params->raw, params->raw_len);
        else tb_puts(out, "null");
        return 0;
    }
    if (json_str_eq(method, "ping")) {
        tb_puts(out, "\"pong\"");
        return 0;
    }
    return tandem_fail(TANDEM_METHOD_NOT_FOUND, "method not found");
}

TANDEM_EXPORT("tandem_call")
uint64_t tandem_call(const char *ptr, int32_t len) {
    return tandem_serve(ptr, (size_t)len, handle);
}
