/* logfmt lines on one file descriptor (stderr by default): one write() per
 * line, so lines from several threads never interleave.
 *
 *   kf_logline l;
 *   kf_log_begin(&l, log, KF_LOG_INFO, "request");
 *   kf_log_str(&l, "path", path);
 *   kf_log_int(&l, "status", 200);
 *   kf_log_end(&l);
 */
#ifndef KF_LOG_H
#define KF_LOG_H

#include <stdint.h>

enum { KF_LOG_DEBUG = 0, KF_LOG_INFO = 1, KF_LOG_WARN = 2, KF_LOG_ERROR = 3 };

typedef struct {
    int fd;
    int level; /* lines below this level are dropped */
} kf_log;

typedef struct {
    const kf_log *log;
    int active;
    unsigned len;
    char line[2048];
} kf_logline;

/* kf_log_level_parse: "debug|info|warn|error" → level, or -1. */
int kf_log_level_parse(const char *name);
void kf_log_begin(kf_logline *l, const kf_log *log, int level, const char *msg);
void kf_log_str(kf_logline *l, const char *key, const char *value);
void kf_log_int(kf_logline *l, const char *key, int64_t value);
void kf_log_ms(kf_logline *l, const char *key, double ms);
void kf_log_end(kf_logline *l);

/* kf_log_msg: a line with just msg and one optional detail field. */
void kf_log_msg(const kf_log *log, int level, const char *msg, const char *detail);

#endif
