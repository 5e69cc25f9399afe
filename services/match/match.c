/*
 * match: order matching over an order book given by CID, so one service matches any dApp's book and a new book
 * needs no new module.
 *
 *   fill {"book":{"/":"<cid>"},"order":{"side":"buy"|"sell","price":p,"qty":q}}
 *     -> {"fills":[{"id","price","qty"}...],"filled":F,"remaining":R,"spent":S}
 *
 * The book is the call's input 0, a JSON file {"asks":[{"id":str,"price":int,"qty":int}...],"bids":[...]} in time
 * order (earlier first). A buy takes asks priced at most p, cheapest first; a sell takes bids priced at least p,
 * dearest first; equal prices go in time order (price-time priority). Each fill is at the resting order's price, for
 * as much as both sides hold; `spent` is the sum of price x qty over the fills. Integers only, so every node gives
 * the same fills. The book is not changed: it is immutable data, the fills are the answer.
 */
#include "../lib/tandem.h"

#define MAX_ORDERS 100000
#define MAX_QTY 1000000000LL
#define MAX_PRICE 1000000000LL

typedef struct { const jnode *id; int64_t price, qty; } resting;

/* Reads one side of the book; returns its length, or -1 (and fails the call) when it is malformed. */
static int64_t read_side(const jnode *book, const char *name, resting **out) {
    const jnode *side = json_get(book, name);
    if (!side) { *out = 0; return 0; }
    if (side->type != J_ARRAY || side->count > MAX_ORDERS) {
        tandem_fail(TANDEM_INVALID_PARAMS, "the book's asks and bids must be arrays of at most 100000 orders");
        return -1;
    }
    resting *r = (resting *)t_alloc(sizeof *r * (side->count ? side->count : 1));
    int64_t n = 0;
    for (const jnode *o = side->child; o; o = o->next, n++) {
        const jnode *id = json_get(o, "id");
        if (o->type != J_OBJECT || !id || id->type != J_STRING || !json_int(json_get(o, "price"), &r[n].price)
            || !json_int(json_get(o, "qty"), &r[n].qty) || r[n].price <= 0 || r[n].price > MAX_PRICE
            || r[n].qty <= 0 || r[n].qty > MAX_QTY) {
            tandem_fail(TANDEM_INVALID_PARAMS, "every book order must be {\"id\":str,\"price\":1..1e9,\"qty\":1..1e9}");
            return -1;
        }
        r[n].id = id;
    }
    *out = r;
    return n;
}

static int do_fill(const jnode *params, tbuf *out) {
    const jnode *link = json_get(params, "book");
    const jnode *order = json_get(params, "order");
    if (!link || link->type != J_OBJECT || !json_get(link, "/"))
        return tandem_fail(TANDEM_INVALID_PARAMS, "book must be a link to the order book: {\"/\": \"<cid>\"}");
    const jnode *side = json_get(order, "side");
    int64_t price, qty;
    int buy = json_str_eq(side, "buy");
    if (!order || order->type != J_OBJECT || !(buy || json_str_eq(side, "sell"))
        || !json_int(json_get(order, "price"), &price) || !json_int(json_get(order, "qty"), &qty)
        || price <= 0 || price > MAX_PRICE || qty <= 0 || qty > MAX_QTY)
        return tandem_fail(TANDEM_INVALID_PARAMS,
            "order must be {\"side\":\"buy\"|\"sell\",\"price\":1..1e9,\"qty\":1..1e9}");
    size_t len;
    const char *text = tandem_input(0, &len);
    if (!text) return tandem_fail(TANDEM_INVALID_PARAMS, "the book was not given as an input");
    const jnode *book = json_parse(text, len);
    if (!book || book->type != J_OBJECT) return tandem_fail(TANDEM_INVALID_PARAMS, "the book is not a JSON object");
    resting *r;
    int64_t n = read_side(book, buy ? "asks" : "bids", &r);
    if (n < 0) return -1;

    uint8_t *used = (uint8_t *)t_alloc((size_t)(n ? n : 1));
    int64_t left = qty, spent = 0, nfills = 0;
    tb_puts(out, "{\"fills\":[");
    while (left > 0) {
        /* The best resting order still open: best price, then earliest. */
        int64_t best = -1;
        for (int64_t i = 0; i < n; i++) {
            if (used[i] || (buy ? r[i].price > price : r[i].price < price)) continue;
            if (best < 0 || (buy ? r[i].price < r[best].price : r[i].price > r[best].price)) best = i;
        }
        if (best < 0) break;
        used[best] = 1;
        int64_t take = r[best].qty < left ? r[best].qty : left;
        left -= take;
        spent += take * r[best].price;   /* at most 1e9 x 1e9 in all: fits in int64 */
        if (nfills++) tb_putc(out, ',');
        tb_puts(out, "{\"id\":");
        tb_str(out, r[best].id->str, r[best].id->str_len);
        tb_puts(out, ",\"price\":");
        tb_int(out, r[best].price);
        tb_puts(out, ",\"qty\":");
        tb_int(out, take);
        tb_putc(out, '}');
    }
    tb_puts(out, "],\"filled\":");
    tb_int(out, qty - left);
    tb_puts(out, ",\"remaining\":");
    tb_int(out, left);
    tb_puts(out, ",\"spent\":");
    tb_int(out, spent);
    tb_putc(out, '}');
    return 0;
}

static int handle(const jnode *method, const jnode *params, tbuf *out) {
    if (json_str_eq(method, "fill")) {
        if (!params || params->type != J_OBJECT) return tandem_fail(TANDEM_INVALID_PARAMS, "params must be an object");
        return do_fill(params, out);
    }
    return tandem_fail(TANDEM_METHOD_NOT_FOUND, "method not found");
}

TANDEM_EXPORT("tandem_call")
uint64_t tandem_call(const char *ptr, int32_t len) {
    return tandem_serve(ptr, (size_t)len, handle);
}
