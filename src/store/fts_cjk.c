/* Chinese full-text search by character bigrams: the tokenizer, its FTS5
 * registration, and the terms and tsquery strings for PostgreSQL. The rules
 * are in fts_cjk.h; both backends must see exactly the same tokens, so
 * everything here goes through kf_cjk_tokenize. */
#include "store/fts_cjk.h"

#include "core/mem.h"
#include "core/utf8.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CLS_SEP, CLS_ALNUM, CLS_CJK };

#define BAD_CP 0xFFFFFFFFu /* not a character: classified as a separator */

/* The character at S[I], I < LEN, and its length in bytes; a byte that does
 * not start a valid sequence is a BAD_CP of length 1 (core/utf8.h). */
static int decode(const unsigned char *s, int len, int i, uint32_t *cp)
{
    int32_t v;
    int n = (int)kf_utf8_next((const char *)s + i, (size_t)(len - i), &v);
    *cp = v < 0 ? BAD_CP : (uint32_t)v;
    return n;
}

static int is_cjk(uint32_t cp)
{
    /* the katakana middle dot and double hyphen are punctuation, not kana */
    if (cp == 0x30FB || cp == 0x30A0) return 0;
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF) ||
           (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xAC00 && cp <= 0xD7AF);
}

/* The class of CP; for CLS_ALNUM also its lowercase ASCII form in *ASCII.
 * Fullwidth forms fold as NFKC would: IMEs type them, users search with
 * either kind. */
static int classify(uint32_t cp, char *ascii)
{
    if (cp >= 0xFF10 && cp <= 0xFF19)
        cp = '0' + (cp - 0xFF10);
    else if (cp >= 0xFF21 && cp <= 0xFF3A)
        cp = 'a' + (cp - 0xFF21);
    else if (cp >= 0xFF41 && cp <= 0xFF5A)
        cp = 'a' + (cp - 0xFF41);
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z')) {
        *ascii = (char)cp;
        return CLS_ALNUM;
    }
    return is_cjk(cp) ? CLS_CJK : CLS_SEP;
}

typedef struct {
    const unsigned char *s;
    int len;
    kf_cjk_token_fn fn;
    void *ctx;
} scan;

/* Emits the letter/digit run starting at *POS, in pieces of at most
 * KF_CJK_MAX_ALNUM (a pasted blob must not make one giant lexeme), and
 * leaves *POS after it. */
static int alnum_run(const scan *sc, int *pos)
{
    char buf[KF_CJK_MAX_ALNUM];
    int n = 0, start = *pos, i = *pos;
    while (i < sc->len) {
        uint32_t cp;
        char a;
        int w = decode(sc->s, sc->len, i, &cp);
        if (classify(cp, &a) != CLS_ALNUM) break;
        if (n == KF_CJK_MAX_ALNUM) {
            int rc = sc->fn(sc->ctx, buf, n, start, i);
            if (rc) return rc;
            n = 0, start = i;
        }
        buf[n++] = a;
        i += w;
    }
    *pos = i;
    return sc->fn(sc->ctx, buf, n, start, i);
}

/* Emits the overlapping pairs of the CJK run starting at *POS (or its only
 * character) and leaves *POS after it. CJK bytes need no normalising, so
 * tokens point into the text itself. */
static int cjk_run(const scan *sc, int *pos)
{
    uint32_t cp;
    char a;
    int prev = *pos; /* the start of the previous character */
    int i = prev + decode(sc->s, sc->len, prev, &cp);
    int pairs = 0;
    while (i < sc->len) {
        int w = decode(sc->s, sc->len, i, &cp);
        if (classify(cp, &a) != CLS_CJK) break;
        int rc = sc->fn(sc->ctx, (const char *)sc->s + prev, i + w - prev, prev, i + w);
        if (rc) return rc;
        pairs++;
        prev = i;
        i += w;
    }
    *pos = i;
    if (pairs) return 0;
    return sc->fn(sc->ctx, (const char *)sc->s + prev, i - prev, prev, i);
}

static int text_len(const char *text, int len)
{
    if (len >= 0) return len;
    size_t n = strlen(text);
    return n > INT_MAX ? INT_MAX : (int)n;
}

int kf_cjk_tokenize(const char *text, int len, kf_cjk_token_fn fn, void *ctx)
{
    if (!text) return 0;
    scan sc = {(const unsigned char *)text, text_len(text, len), fn, ctx};
    int i = 0;
    while (i < sc.len) {
        uint32_t cp;
        char a;
        int w = decode(sc.s, sc.len, i, &cp);
        int rc = 0;
        switch (classify(cp, &a)) {
        case CLS_ALNUM:
            rc = alnum_run(&sc, &i);
            break;
        case CLS_CJK:
            rc = cjk_run(&sc, &i);
            break;
        default:
            i += w;
        }
        if (rc) return rc;
    }
    return 0;
}

/* ---- FTS5 ---- */

/* The tokenizer has no options and no state, but FTS5 wants an object. */
struct Fts5Tokenizer {
    char unused;
};
static struct Fts5Tokenizer the_tokenizer;

typedef struct {
    void *pctx;
    int (*xtoken)(void *pctx, int tflags, const char *token, int len, int start, int end);
} fts5_sink;

static int fts5_token(void *ctx, const char *token, int len, int start, int end)
{
    fts5_sink *k = ctx;
    return k->xtoken(k->pctx, 0, token, len, start, end);
}

static int tok_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    /* an option we do not know would otherwise be silently ignored */
    if (argc > 0) return SQLITE_ERROR;
    *out = &the_tokenizer;
    return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t) {}

/* FLAGS are not looked at: a query must be cut exactly like the documents,
 * and FTS5 itself makes the last token a prefix for "word*". */
static int tok_tokenize(Fts5Tokenizer *t, void *pctx, int flags, const char *text, int len,
                        int (*xtoken)(void *, int, const char *, int, int, int))
{
    fts5_sink k = {pctx, xtoken};
    return kf_cjk_tokenize(text, len < 0 ? 0 : len, fts5_token, &k);
}

int kf_cjk_register_fts5(sqlite3 *db)
{
    static fts5_tokenizer tokenizer = {tok_create, tok_delete, tok_tokenize};
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    /* FTS5 hands out its API only through this pointer-passing function. */
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    int frc = sqlite3_finalize(st);
    if (rc == SQLITE_OK) rc = frc;
    if (rc != SQLITE_OK) return rc;
    if (!api || api->iVersion < 2) return SQLITE_ERROR;
    return api->xCreateTokenizer(api, "kefu_cjk", NULL, &tokenizer, NULL);
}

/* ---- PostgreSQL strings ---- */

typedef struct {
    char *out;
    size_t cap, used; /* OUT stays NUL-terminated after every token */
    int ntok;
    int word_tokens; /* tokens of the current word (kf_cjk_query) */
} sink;

static int terms_token(void *ctx, const char *token, int len, int start, int end)
{
    sink *k = ctx;
    size_t sep = k->used ? 1 : 0;
    /* all of the token or nothing, so a cut OUT still ends at a whole one */
    if (sep + (size_t)len >= k->cap - k->used) return -1;
    if (sep) k->out[k->used++] = ' ';
    memcpy(k->out + k->used, token, (size_t)len);
    k->used += (size_t)len;
    k->out[k->used] = '\0';
    return 0;
}

int kf_cjk_terms(const char *text, int len, char *out, size_t outlen)
{
    if (!out || outlen == 0) return -1;
    out[0] = '\0';
    sink k = {out, outlen, 0, 0, 0};
    return kf_cjk_tokenize(text, len, terms_token, &k) ? -1 : 0;
}

static int query_token(void *ctx, const char *token, int len, int start, int end)
{
    sink *k = ctx;
    const char *join = k->ntok == 0 ? "" : k->word_tokens == 0 ? " & " : " <-> ";
    /* Tokens hold only letters, digits and CJK bytes; quotes and backslashes
     * are doubled anyway so that the lexeme stays quoted if that changes. */
    size_t need = strlen(join) + 2 + (size_t)len;
    for (int i = 0; i < len; i++)
        if (token[i] == '\'' || token[i] == '\\') need++;
    if (need >= k->cap - k->used) return -1;
    char *p = k->out + k->used;
    size_t jlen = strlen(join);
    memcpy(p, join, jlen);
    p += jlen;
    *p++ = '\'';
    for (int i = 0; i < len; i++) {
        if (token[i] == '\'' || token[i] == '\\') *p++ = token[i];
        *p++ = token[i];
    }
    *p++ = '\'';
    *p = '\0';
    k->used = (size_t)(p - k->out);
    k->ntok++;
    k->word_tokens++;
    return 0;
}

/* What separates the words of a query: ASCII whitespace and the spaces
 * Chinese input methods and web forms produce. */
static int is_space(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x3000 || cp == 0xA0;
}

/* Calls EMIT(word, len, CTX) for each whitespace-separated word of TEXT;
 * stops at the first non-zero result and returns -1. */
static int each_word(const char *text, int len, void *ctx, int (*emit)(const char *, int, void *))
{
    const unsigned char *s = (const unsigned char *)text;
    int n = text_len(text, len), i = 0;
    while (i < n) {
        uint32_t cp;
        int w = decode(s, n, i, &cp);
        if (is_space(cp)) {
            i += w;
            continue;
        }
        int start = i;
        while (i < n && !is_space(cp)) {
            i += w;
            if (i < n) w = decode(s, n, i, &cp);
        }
        if (emit(text + start, i - start, ctx)) return -1;
    }
    return 0;
}

static int tsquery_word(const char *word, int len, void *ctx)
{
    sink *k = ctx;
    k->word_tokens = 0;
    return kf_cjk_tokenize(word, len, query_token, k);
}

int kf_cjk_query(const char *text, int len, char *out, size_t outlen)
{
    if (!out || outlen == 0) return -1;
    out[0] = '\0';
    if (!text) return 0;
    sink k = {out, outlen, 0, 0, 0};
    if (each_word(text, len, &k, tsquery_word)) {
        out[0] = '\0'; /* a cut query would silently find more */
        return -1;
    }
    return k.ntok;
}

/* FTS5: a word is the phrase of its tokens, "t1 t2 t3", which FTS5 cuts
 * again with this tokenizer into the same tokens at adjacent positions. */
static int fts5_query_token(void *ctx, const char *token, int len, int start, int end)
{
    (void)start;
    (void)end;
    sink *k = ctx;
    /* the opening quote (and the space before it) comes with the first token */
    size_t lead = k->word_tokens ? 1 : (k->ntok ? 2 : 1);
    if (lead + (size_t)len + 1 >= k->cap - k->used) return -1;
    char *p = k->out + k->used;
    if (!k->word_tokens && k->ntok) *p++ = ' ';
    *p++ = k->word_tokens ? ' ' : '"';
    memcpy(p, token, (size_t)len);
    p += len;
    *p = '\0';
    k->used = (size_t)(p - k->out);
    k->ntok++;
    k->word_tokens++;
    return 0;
}

static int fts5_word(const char *word, int len, void *ctx)
{
    sink *k = ctx;
    k->word_tokens = 0;
    if (kf_cjk_tokenize(word, len, fts5_query_token, k)) return -1;
    if (!k->word_tokens) return 0;
    if (k->used + 1 >= k->cap) return -1;
    k->out[k->used++] = '"';
    k->out[k->used] = '\0';
    return 0;
}

int kf_cjk_fts5_query(const char *text, int len, char *out, size_t outlen)
{
    if (!out || outlen == 0) return -1;
    out[0] = '\0';
    if (!text) return 0;
    sink k = {out, outlen, 0, 0, 0};
    if (each_word(text, len, &k, fts5_word)) {
        out[0] = '\0';
        return -1;
    }
    return k.ntok;
}

/* ---- matching in C ---- */

typedef struct {
    size_t off; /* into the token bytes */
    int len;
} tok;

typedef struct {
    tok *v;
    size_t n, cap;
    char *bytes;
    size_t used, bcap;
} tok_list;

static int tok_push(void *ctx, const char *token, int len, int start, int end)
{
    (void)start;
    (void)end;
    tok_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = kf_realloc(l->v, l->cap * sizeof(*l->v));
    }
    if (l->used + (size_t)len > l->bcap) {
        while (l->used + (size_t)len > l->bcap)
            l->bcap = l->bcap ? l->bcap * 2 : 1024;
        l->bytes = kf_realloc(l->bytes, l->bcap);
    }
    memcpy(l->bytes + l->used, token, (size_t)len);
    l->v[l->n++] = (tok){l->used, len};
    l->used += (size_t)len;
    return 0;
}

struct kf_cjk_matcher {
    tok_list q;         /* the query's tokens, word after word */
    size_t *word_start; /* word i is q.v[word_start[i] .. word_start[i + 1]) */
    size_t nwords;
    unsigned char *found;
    tok_list doc; /* the column being matched, reused */
};

/* each_word's callback: the tokens of one word, and where it starts */
static int matcher_word(const char *word, int len, void *ctx)
{
    kf_cjk_matcher *m = ctx;
    size_t before = m->q.n;
    kf_cjk_tokenize(word, len, tok_push, &m->q);
    if (m->q.n > before) {
        m->word_start = kf_realloc(m->word_start, (m->nwords + 2) * sizeof(size_t));
        m->word_start[m->nwords++] = before;
        m->word_start[m->nwords] = m->q.n;
    }
    return 0;
}

kf_cjk_matcher *kf_cjk_matcher_new(const char *text, int len)
{
    kf_cjk_matcher *m = kf_calloc(1, sizeof(*m));
    if (text) each_word(text, len, m, matcher_word);
    m->found = kf_calloc(m->nwords + 1, 1);
    return m;
}

void kf_cjk_matcher_free(kf_cjk_matcher *m)
{
    if (!m) return;
    free(m->q.v);
    free(m->q.bytes);
    free(m->doc.v);
    free(m->doc.bytes);
    free(m->word_start);
    free(m->found);
    free(m);
}

void kf_cjk_matcher_begin(kf_cjk_matcher *m)
{
    memset(m->found, 0, m->nwords + 1);
}

static int same_tok(const tok_list *a, const tok *x, const tok_list *b, const tok *y)
{
    return x->len == y->len && memcmp(a->bytes + x->off, b->bytes + y->off, (size_t)x->len) == 0;
}

/* 1 when the document's tokens hold word W's tokens at adjacent positions */
static int has_phrase(const kf_cjk_matcher *m, size_t w)
{
    size_t first = m->word_start[w], k = m->word_start[w + 1] - first;
    for (size_t i = 0; i + k <= m->doc.n; i++) {
        size_t j = 0;
        while (j < k && same_tok(&m->doc, &m->doc.v[i + j], &m->q, &m->q.v[first + j]))
            j++;
        if (j == k) return 1;
    }
    return 0;
}

void kf_cjk_matcher_column(kf_cjk_matcher *m, const char *text, int len)
{
    if (!text || kf_cjk_matcher_found(m)) return;
    m->doc.n = m->doc.used = 0;
    kf_cjk_tokenize(text, len, tok_push, &m->doc);
    for (size_t w = 0; w < m->nwords; w++)
        if (!m->found[w]) m->found[w] = (unsigned char)has_phrase(m, w);
}

int kf_cjk_matcher_found(const kf_cjk_matcher *m)
{
    if (!m->nwords) return 0;
    for (size_t w = 0; w < m->nwords; w++)
        if (!m->found[w]) return 0;
    return 1;
}
