#include "core/buf.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kf_buf_init(kf_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void kf_buf_free(kf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void kf_buf_reset(kf_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

static int reserve(kf_buf *b, size_t extra)
{
    size_t need;
    if (kf_add_size(b->len, extra, &need) || kf_add_size(need, 1, &need)) return -1;
    if (b->max && need > b->max + 1) return -1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    b->data = kf_realloc(b->data, cap);
    b->cap = cap;
    return 0;
}

/* kf_buf_append when the bytes do not fit (or would pass MAX). */
int kf_buf_append_grow(kf_buf *b, const void *data, size_t len)
{
    if (reserve(b, len)) return -1;
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int kf_buf_puts(kf_buf *b, const char *s)
{
    return kf_buf_append(b, s, strlen(s));
}

int kf_buf_vprintf(kf_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0 || reserve(b, (size_t)n)) return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int kf_buf_printf(kf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = kf_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *kf_buf_steal(kf_buf *b)
{
    char *d = b->data ? b->data : kf_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
