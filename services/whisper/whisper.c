/*
 * whisper: seals messages into self-describing envelopes.
 *
 *   seal   {"payload":"...","topic":"..."} -> {"digest":sha256(envelope) hex,"envelope":hex}
 *   open   {"envelope":"hex"}              -> {"digest","payload","topic"}
 *   digest {"data":"..."} or "..."         -> sha256 of the UTF-8 bytes, hex
 *
 * Envelope bytes: "TWv1" | topic length (u16, big-endian) | topic | payload length
 * (u32, big-endian) | payload. Topics are at most 65535 bytes.
 */
#include "../lib/tandem.h"

/* ---- SHA-256 (FIPS 180-4) ------------------------------------------------ */

typedef struct {
    uint32_t h[8];
    uint8_t block[64];
    size_t fill;
    uint64_t bytes;
} sha256_ctx;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(sha256_ctx *c, const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
    uint32_t e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
        h = g; g = f; f = e; e = d + t1;
        d = cc; cc = b; b = a; a = t1 + t2;
    }
    c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
    c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

static void sha256_init(sha256_ctx *c) {
    static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(c->h, iv, sizeof iv);
    c->fill = 0;
    c->bytes = 0;
}

static void sha256_update(sha256_ctx *c, const uint8_t *p, size_t n) {
    c->bytes += n;
    while (n) {
        size_t take = 64 - c->fill < n ? 64 - c->fill : n;
        memcpy(c->block + c->fill, p, take);
        c->fill += take;
        p += take;
        n -= take;
        if (c->fill == 64) { sha256_block(c, c->block); c->fill = 0; }
    }
}

static void sha256_final(sha256_ctx *c, uint8_t out[32]) {
    uint64_t bits = c->bytes * 8;
    uint8_t pad = 0x80, zero = 0, len[8];
    sha256_update(c, &pad, 1);
    while (c->fill != 56) sha256_update(c, &zero, 1);
    for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(c, len, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

static void sha256(const void *data, size_t n, uint8_t out[32]) {
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, (const uint8_t *)data, n);
    sha256_final(&c, out);
}

/* ---- methods ------------------------------------------------------------- */

static void put_digest(tbuf *out, const uint8_t *data, size_t n) {
    uint8_t d[32];
    sha256(data, n, d);
    tb_putc(out, '"');
    tb_hex(out, d, 32);
    tb_putc(out, '"');
}

static int do_seal(const jnode *params, tbuf *out) {
    const jnode *topic = json_get(params, "topic"), *payload = json_get(params, "payload");
    if (!topic || topic->type != J_STRING || !payload || payload->type != J_STRING)
        return tandem_fail(TANDEM_INVALID_PARAMS, "topic and payload must be strings");
    if (topic->str_len > 0xFFFF) return tandem_fail(TANDEM_INVALID_PARAMS, "topic longer than 65535 bytes");
    if (payload->str_len > 0x3FFFFFFF) return tandem_fail(TANDEM_INVALID_PARAMS, "payload too long");

    size_t tn = topic->str_len, pn = payload->str_len, n = 4 + 2 + tn + 4 + pn;
    uint8_t *env = (uint8_t *)t_alloc(n), *w = env;
    memcpy(w, "TWv1", 4); w += 4;
    *w++ = (uint8_t)(tn >> 8); *w++ = (uint8_t)tn;
    memcpy(w, topic->str, tn); w += tn;
    *w++ = (uint8_t)(pn >> 24); *w++ = (uint8_t)(pn >> 16); *w++ = (uint8_t)(pn >> 8); *w++ = (uint8_t)pn;
    memcpy(w, payload->str, pn);

    tb_puts(out, "{\"digest\":");
    put_digest(out, env, n);
    tb_puts(out, ",\"envelope\":\"");
    tb_hex(out, env, n);
    tb_puts(out, "\"}");
    return 0;
}

static int hex_nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;   /* lowercase only: one envelope, one spelling */
}

static int do_open(const jnode *params, tbuf *out) {
    const jnode *h = json_get(params, "envelope");
    if (!h || h->type != J_STRING || h->str_len % 2)
        return tandem_fail(TANDEM_INVALID_PARAMS, "envelope must be a lowercase hex string");
    size_t n = h->str_len / 2;
    uint8_t *env = (uint8_t *)t_alloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        int hi = hex_nibble(h->str[2 * i]), lo = hex_nibble(h->str[2 * i + 1]);
        if (hi < 0 || lo < 0) return tandem_fail(TANDEM_INVALID_PARAMS, "envelope must be a lowercase hex string");
        env[i] = (uint8_t)(hi << 4 | lo);
    }
    if (n < 10 || memcmp(env, "TWv1", 4) != 0) return tandem_fail(TANDEM_INVALID_PARAMS, "not a TWv1 envelope");
    size_t tn = (size_t)env[4] << 8 | env[5];
    if (n < 10 + tn) return tandem_fail(TANDEM_INVALID_PARAMS, "truncated envelope");
    const uint8_t *p = env + 6 + tn;
    size_t pn = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    if ((uint64_t)n != 10u + (uint64_t)tn + (uint64_t)pn) return tandem_fail(TANDEM_INVALID_PARAMS, "envelope length mismatch");
    /* Sealed from JSON strings, so anything else was not made by seal. */
    if (!utf8_valid((const char *)env + 6, tn) || !utf8_valid((const char *)p + 4, pn))
        return tandem_fail(TANDEM_INVALID_PARAMS, "topic or payload is not UTF-8");

    tb_puts(out, "{\"digest\":");
    put_digest(out, env, n);
    tb_puts(out, ",\"payload\":");
    tb_str(out, (const char *)p + 4, pn);
    tb_puts(out, ",\"topic\":");
    tb_str(out, (const char *)env + 6, tn);
    tb_putc(out, '}');
    return 0;
}

static int do_digest(const jnode *params, tbuf *out) {
    const jnode *d = params && params->type == J_STRING ? params : json_get(params, "data");
    if (!d || d->type != J_STRING) return tandem_fail(TANDEM_INVALID_PARAMS, "params must be a string or {\"data\":string}");
    put_digest(out, (const uint8_t *)d->str, d->str_len);
    return 0;
}

static int handle(const jnode *method, const jnode *params, tbuf *out) {
    if (json_str_eq(method, "digest")) return do_digest(params, out);
    int (*fn)(const jnode *, tbuf *) = 0;
    if (json_str_eq(method, "seal")) fn = do_seal;
    else if (json_str_eq(method, "open")) fn = do_open;
    else return tandem_fail(TANDEM_METHOD_NOT_FOUND, "method not found");
    if (!params || params->type != J_OBJECT) return tandem_fail(TANDEM_INVALID_PARAMS, "params must be an object");
    return fn(params, out);
}

TANDEM_EXPORT("tandem_call")
uint64_t tandem_call(const char *ptr, int32_t len) {
    return tandem_serve(ptr, (size_t)len, handle);
}
