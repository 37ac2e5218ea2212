/* Full-text search of Chinese (and mixed) text by character bigrams.
 *
 * Tickets are written in Chinese without spaces between words, so a word
 * tokenizer finds nothing inside them. Instead every run of CJK characters
 * is indexed as its overlapping pairs: a two-character word such as 漏水 is
 * then a token of its own, and a longer word is a phrase of adjacent pairs.
 * The same token stream serves both backends: SQLite through an FTS5
 * tokenizer, PostgreSQL through a column of space-separated terms indexed
 * with its 'simple' text-search configuration.
 *
 * Tokenization (documents and queries alike):
 *  - The input is UTF-8 of LEN bytes; nothing past LEN is read. A byte that
 *    does not start a valid sequence (bad lead or continuation byte,
 *    overlong form, surrogate, above U+10FFFF, cut off by LEN) separates
 *    tokens like any other non-token character.
 *  - A run of ASCII letters and digits is one token, lowercased
 *    ("WiFi" → "wifi", "A101室" → "a101" then the CJK part). Fullwidth
 *    digits and letters (U+FF10–FF19, U+FF21–FF3A, U+FF41–FF5A) count as
 *    their ASCII forms, so "Ａ１０１" → "a101". A run longer than
 *    KF_CJK_MAX_ALNUM characters is cut into consecutive tokens of that
 *    length (its later pieces are still found, as a phrase).
 *  - A run of CJK characters (Han U+3400–4DBF, U+4E00–9FFF, U+F900–FAFF,
 *    U+20000–2FFFF; kana U+3040–30FF but the punctuation ゠ and ・;
 *    hangul U+AC00–D7AF) yields its overlapping bigrams: "屋顶漏水" →
 *    屋顶, 顶漏, 漏水. A run of one character yields that character. CJK
 *    bytes are passed through as is (no folding of compatibility forms).
 *  - Everything else separates tokens: spaces, punctuation (also 。，、；：
 *    ？！“”（）【】), symbols, emoji, letters of other scripts.
 *  - Each token carries the byte offsets [start, end) it covers in the
 *    input; for a bigram that is both characters.
 *
 * A consequence to keep in mind: a single character is a token only where
 * it stands alone, so searching 门 finds "门" and "门，" but not 大门. */
#ifndef KF_FTS_CJK_H
#define KF_FTS_CJK_H

#include <sqlite3.h>
#include <stddef.h>

/* Longest ASCII letter/digit token, in characters. */
#define KF_CJK_MAX_ALNUM 64

/* Sizes of OUT that always suffice for LEN bytes of input, whatever they
 * hold: no input byte costs more than 3 bytes of terms or 5 of query. */
#define KF_CJK_TERMS_MAX(len) ((size_t)(len)*3 + 1)
#define KF_CJK_QUERY_MAX(len) ((size_t)(len)*5 + 1)

/* Called once per token. TOKEN (LEN bytes, not NUL-terminated) is the
 * normalised token, in a scratch buffer or in the text itself: valid only
 * during the call, never to be written. START and END are byte offsets into
 * the text given to kf_cjk_tokenize. A non-zero result stops it. */
typedef int (*kf_cjk_token_fn)(void *ctx, const char *token, int len, int start, int end);

/* kf_cjk_tokenize: calls FN for each token of TEXT (LEN bytes; LEN < 0:
 * up to its NUL) in order. Returns 0, or the first non-zero result of FN. */
int kf_cjk_tokenize(const char *text, int len, kf_cjk_token_fn fn, void *ctx);

/* kf_cjk_register_fts5: makes the tokenizer "kefu_cjk" known to DB's FTS5,
 * for `CREATE VIRTUAL TABLE … USING fts5(…, tokenize='kefu_cjk')`. It is
 * per connection: call it on every connection that writes or reads such a
 * table (before its first use there). Returns SQLITE_OK or the error (for
 * one, SQLITE_ERROR when SQLite was built without FTS5). */
int kf_cjk_register_fts5(sqlite3 *db);

/* kf_cjk_terms: writes the tokens of TEXT into OUT separated by single
 * spaces, for PostgreSQL's to_tsvector('simple', …). Returns 0, or -1 when
 * OUT (OUTLEN bytes) is too small: then OUT holds as many whole tokens as
 * fit, NUL-terminated (with OUTLEN 0, nothing is written). */
int kf_cjk_terms(const char *text, int len, char *out, size_t outlen);

/* kf_cjk_query: turns a user's search text into a tsquery for PostgreSQL's
 * to_tsquery('simple', …) that finds what kf_cjk_terms indexed. Words are
 * separated by whitespace (ASCII, U+3000 ideographic space, U+00A0); each
 * word becomes the phrase of its tokens ('屋顶' <-> '顶漏' <-> '漏水'), and
 * the words are ANDed (' & '); a word without tokens is dropped. Every
 * token is a quoted lexeme, so no input can change the query's structure.
 * Returns the number of tokens (0: nothing to search for, OUT is ""), or -1
 * when OUT is too small (then OUT is "", as a cut query would mean less). */
int kf_cjk_query(const char *text, int len, char *out, size_t outlen);

/* kf_cjk_fts5_query: the same for SQLite's FTS5 MATCH: each word becomes
 * the phrase "t1 t2 t3" of its tokens and the phrases are ANDed (separated
 * by spaces). Tokens never hold quotes, so the input cannot change the
 * query's structure. Same results as kf_cjk_query. */
int kf_cjk_fts5_query(const char *text, int len, char *out, size_t outlen);

/* A search matched in C against a document's text, with the same result
 * as the backends' indexes: every word of the query must occur, each as the
 * run of its tokens at adjacent positions within one column. For checking a
 * few documents (a short queue) without asking the index about each. */
typedef struct kf_cjk_matcher kf_cjk_matcher;

/* kf_cjk_matcher_new: the words of TEXT (LEN bytes; split as kf_cjk_query
 * splits them). Never NULL; free with kf_cjk_matcher_free. A query without
 * tokens matches nothing. */
kf_cjk_matcher *kf_cjk_matcher_new(const char *text, int len);
void kf_cjk_matcher_free(kf_cjk_matcher *m);

/* kf_cjk_matcher_begin: starts a document (forgets the words found). */
void kf_cjk_matcher_begin(kf_cjk_matcher *m);

/* kf_cjk_matcher_column: one column of the document (TEXT may be NULL). */
void kf_cjk_matcher_column(kf_cjk_matcher *m, const char *text, int len);

/* kf_cjk_matcher_found: 1 when every word was found since begin. */
int kf_cjk_matcher_found(const kf_cjk_matcher *m);

#endif
