/* Shared internals of the table writer (src/report/table_out.h): the front
 * (table_out.c) checks every call, keeps the column cursor and converts
 * values; a backend (xlsx_out.c, csv_out.c) only writes cells it is handed in
 * order, all of them valid for their column. */
#ifndef KF_TABLE_OUT_INT_H
#define KF_TABLE_OUT_INT_H

#include "core/buf.h"
#include "core/tz.h"
#include "report/table_out.h"

#include <stddef.h>
#include <stdint.h>

/* Every backend call returns KF_OK or an error, which the front keeps as the
 * writer's first error. */
typedef struct {
    /* open: state in o->be for the file PATH; FD (>= 0) is that file, already
     * open for writing (a temporary file the front owns), else -1. On an
     * error the front still calls finish. */
    int (*open)(kf_table_out *o, const char *path, int fd);
    /* sheet: a new sheet from o->sheet_name, o->title_line, o->cols. */
    int (*sheet)(kf_table_out *o);
    /* the cell at o->col of the current row */
    int (*text)(kf_table_out *o, const char *s, size_t len); /* valid UTF-8, NUL at LEN */
    int (*integer)(kf_table_out *o, int64_t v);              /* INT, FEN, TIME columns */
    int (*real)(kf_table_out *o, double v);                  /* RATIO, DECIMAL; finite */
    int (*empty)(kf_table_out *o);
    int (*row_end)(kf_table_out *o);
    /* finish: writes out the file (ERR == KF_OK) or abandons it (an error was
     * seen), and frees o->be in both cases (NULL when open failed early). */
    int (*finish)(kf_table_out *o, int err);
} kf_table_backend;

extern const kf_table_backend kf_table_xlsx_backend;
extern const kf_table_backend kf_table_csv_backend;

struct kf_table_out {
    kf_table_format fmt;
    const kf_table_backend *be_ops;
    void *be; /* the backend's state */
    kf_tz *tz;
    int err; /* the first error; once set, every call returns it */

    /* the current sheet (owned copies) */
    char *sheet_name;
    char *title_line;   /* NULL: none */
    kf_table_col *cols; /* titles point into title_store */
    char *title_store;
    size_t ncols;
    size_t col;     /* the next cell's column in the current row */
    int in_row;     /* a cell of the current row has been written */
    int has_sheet;  /* kf_table_sheet succeeded */
    uint32_t limit; /* XLSX rows per sheet, header lines included (tests lower it) */

    /* kf_table_open_temp */
    int temp_fd; /* -1: none */
    char *temp_path;
    int temp_unlinked;

    kf_buf scratch; /* text cells repaired for UTF-8 */
};

/* kf_table_set_row_limit: XLSX rows per worksheet before it continues on the
 * next (default and maximum 1,048,576; at least the header lines plus one).
 * Call before the first sheet. For tests. */
void kf_table_set_row_limit(kf_table_out *o, uint32_t rows);

/* UTF-8 helpers shared by the backends. */

/* kf_table_utf8_cut: the longest prefix of S (valid UTF-8, LEN bytes) that is at
 * most MAX bytes and ends on a character boundary. */
size_t kf_table_utf8_cut(const char *s, size_t len, size_t max);
/* kf_table_text_width: the display width of S in Excel column units, counting East
 * Asian wide characters as 2. */
double kf_table_text_width(const char *s);

/* kf_table_local_time: the wall-clock time of MS (ms UTC) in zone TZ as
 * *DAYS (days since 1970-01-01) and *SECS (seconds into that day). */
void kf_table_local_time(const kf_tz *tz, int64_t ms, int64_t *days, int32_t *secs);

#endif
