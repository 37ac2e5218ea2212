#include "core/log.h"

#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *level_names[] = {"debug", "info", "warn", "error"};

int kf_log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0) return i;
    return -1;
}

static void put(kf_logline *l, const char *s, size_t n)
{
    size_t room = sizeof(l->line) - 2 - l->len; /* keep space for '\n' */
    if (n > room) n = room;
    memcpy(l->line + l->len, s, n);
    l->len += (unsigned)n;
}

/* A value is quoted when it holds a space, '=', a quote or a control byte;
 * quotes, backslashes and control bytes are escaped so a line stays a line. */
static void put_value(kf_logline *l, const char *v)
{
    int quote = *v == '\0';
    for (const char *p = v; *p && !quote; p++)
        quote = *p == ' ' || *p == '=' || *p == '"' || (unsigned char)*p < 0x20;
    if (!quote) {
        put(l, v, strlen(v));
        return;
    }
    put(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\', esc[1] = (char)*p;
            put(l, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof(esc), "\\x%02x", *p);
            put(l, esc, 4);
        } else {
            put(l, (const char *)p, 1);
        }
    }
    put(l, "\"", 1);
}

void kf_log_begin(kf_logline *l, const kf_log *log, int level, const char *msg)
{
    l->log = log;
    l->len = 0;
    l->active = log && level >= log->level;
    if (!l->active) return;
    char ts[32];
    kf_time_format(kf_now_ms(), ts, sizeof(ts));
    put(l, "ts=", 3);
    put(l, ts, strlen(ts));
    put(l, " level=", 7);
    put(l, level_names[level], strlen(level_names[level]));
    put(l, " msg=", 5);
    put_value(l, msg);
}

void kf_log_str(kf_logline *l, const char *key, const char *value)
{
    if (!l->active || !value) return;
    put(l, " ", 1);
    put(l, key, strlen(key));
    put(l, "=", 1);
    put_value(l, value);
}

void kf_log_int(kf_logline *l, const char *key, int64_t value)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", (long long)value);
    kf_log_str(l, key, num);
}

void kf_log_ms(kf_logline *l, const char *key, double ms)
{
    char num[32];
    snprintf(num, sizeof(num), "%.3f", ms);
    kf_log_str(l, key, num);
}

void kf_log_end(kf_logline *l)
{
    if (!l->active) return;
    l->line[l->len++] = '\n';
    ssize_t off = 0;
    while (off < (ssize_t)l->len) {
        ssize_t n = write(l->log->fd, l->line + off, l->len - (size_t)off);
        if (n <= 0) break;
        off += n;
    }
    l->active = 0;
}

void kf_log_msg(const kf_log *log, int level, const char *msg, const char *detail)
{
    kf_logline l;
    kf_log_begin(&l, log, level, msg);
    kf_log_str(&l, "detail", detail);
    kf_log_end(&l);
}
