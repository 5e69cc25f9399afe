#include "verifier.h"

int same_response(const response *a, const response *b) {
    return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

void write_verdict(tbuf *out, const char *verdict, int accepted, const int *faulty, int nfaulty) {
    tb_puts(out, "{\"accepted\":");
    if (accepted < 0) tb_puts(out, "null");
    else tb_int(out, accepted);
    tb_puts(out, ",\"faulty\":[");
    for (int i = 0; i < nfaulty; i++) {
        if (i) tb_putc(out, ',');
        tb_int(out, faulty[i]);
    }
    tb_puts(out, "],\"verdict\":");
    tb_str(out, verdict, strlen(verdict));
    tb_putc(out, '}');
}

uint64_t verifier_run(const char *in, size_t len, verifier_decide decide) {
    tbuf out;
    jnode *root = json_parse(in, len);
    const jnode *list = json_get(root, "responses");
    if (!root) {
        tb_init(&out, 64);
        tandem_write_error(&out, TANDEM_PARSE_ERROR, "parse error");
        return tandem_pack(&out);
    }
    if (!list || list->type != J_ARRAY) {
        tb_init(&out, 64);
        tandem_write_error(&out, TANDEM_INVALID_PARAMS, "responses must be an array");
        return tandem_pack(&out);
    }
    int n = (int)list->count;
    response *r = (response *)t_alloc(sizeof(response) * (size_t)(n ? n : 1));
    int i = 0;
    for (const jnode *e = list->child; e; e = e->next, i++) {
        const jnode *v = json_get(e, "response");
        if (!v || v->type != J_OBJECT) {
            tb_init(&out, 64);
            tandem_write_error(&out, TANDEM_INVALID_PARAMS, "each response must be an object with a response object");
            return tandem_pack(&out);
        }
        r[i].text = v->raw;
        r[i].len = v->raw_len;
    }
    tb_init(&out, 64 + 12 * (size_t)n);
    decide(r, n, &out);
    return tandem_pack(&out);
}
