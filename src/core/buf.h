/* A growable byte buffer with a hard maximum, for anything a client sends and
 * for building output. The buffer owns its bytes; kf_buf_free releases them. */
#ifndef KF_BUF_H
#define KF_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* 0 = no limit */
} kf_buf;

void kf_buf_init(kf_buf *b, size_t max);
void kf_buf_free(kf_buf *b);
void kf_buf_reset(kf_buf *b);
/* kf_buf_append: returns 0, or -1 (nothing appended) when MAX would be passed.
 * Inline for what fits already: JSON output appends a few bytes at a time. */
int kf_buf_append_grow(kf_buf *b, const void *data, size_t len);
static inline int kf_buf_append(kf_buf *b, const void *data, size_t len)
{
    if (len >= b->cap - b->len || (b->max && len > b->max - b->len))
        return kf_buf_append_grow(b, data, len);
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}
int kf_buf_puts(kf_buf *b, const char *s);
int kf_buf_printf(kf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kf_buf_vprintf(kf_buf *b, const char *fmt, va_list ap);
/* kf_buf_steal: the bytes, now owned by the caller (free()); the buffer is emptied. */
char *kf_buf_steal(kf_buf *b);

#endif
