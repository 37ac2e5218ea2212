/* A streaming RFC 4180 CSV reader over a UTF-8 buffer, for imports from Excel.
 * It reads one record at a time so a 100,000-row file needs memory for one row
 * only, and every error names its place (physical line, field number) because
 * the people fixing the file work in Excel, not in a text editor.
 *
 * Rules: the separator is ',' unless the header line has no comma but has ';'
 * or a tab (Excel in some locales); CRLF, LF and CR line ends; quoted fields
 * with "" for a quote and embedded line ends (kept as they are); spaces (and
 * tabs, unless tab is the separator) around a field outside quotes are
 * trimmed; blank lines are skipped. Errors: a quote inside an unquoted field,
 * text after a closing quote, an unterminated quote at end of file, more than
 * KF_CSV_MAX_FIELDS fields, a field over KF_CSV_MAX_FIELD bytes, a NUL byte. */
#ifndef KF_CSV_H
#define KF_CSV_H

#include <stddef.h>

enum {
    KF_CSV_MAX_FIELDS = 256, /* fields in one record */
    KF_CSV_MAX_FIELD = 4096, /* bytes in one field, after unquoting and trimming */
};

typedef struct kf_csv kf_csv;

typedef struct {
    size_t nfields;
    const char **fields; /* NUL-terminated; borrowed, valid until the next kf_csv_next */
    const size_t *lens;  /* byte length of each field */
    size_t line;         /* 1-based physical line where the record starts */
} kf_csv_row;

/* kf_csv_new: a reader over UTF8 (LEN bytes, a leading BOM skipped). The text
 * is borrowed and must outlive the reader; kf_csv_free releases the reader. */
kf_csv *kf_csv_new(const char *utf8, size_t len);
void kf_csv_free(kf_csv *c);

/* kf_csv_separator: ',', ';' or '\t', chosen from the header line. */
char kf_csv_separator(const kf_csv *c);

/* kf_csv_next: 1 a record is in *ROW, 0 end of input, -1 error (the reader
 * then stays failed; see kf_csv_error). */
int kf_csv_next(kf_csv *c, kf_csv_row *row);

/* After kf_csv_next returned -1: the message (English, already naming line and
 * column), the 1-based physical line where the offending field starts, the
 * 1-based field number, and a stable key ("csv_truncated", …) for kf_msg.
 * NULL / 0 / "" when there was no error. */
const char *kf_csv_error(const kf_csv *c);
size_t kf_csv_error_line(const kf_csv *c);
size_t kf_csv_error_column(const kf_csv *c);
const char *kf_csv_error_key(const kf_csv *c);

/* kf_csv_row_blank: 1 when every field is empty (Excel writes ",,,," for rows
 * that were formatted but left empty), else 0. */
int kf_csv_row_blank(const kf_csv_row *row);

/* kf_csv_header_map: finds each column of WANTED (NULL-terminated) in HEADER.
 * A wanted entry lists a name and its aliases separated by '|', e.g.
 * "code|房号|房屋编号"; ASCII letters match case-insensitively, and a leading
 * '?' marks the column optional. INDEX_OUT[i] gets the 0-based field index of
 * WANTED[i], or -1; the first header cell that matches wins. Returns 0, or -1
 * with *MISSING (if not NULL) set to the first required WANTED entry that has
 * no column. */
int kf_csv_header_map(const kf_csv_row *header, const char *const *wanted, int *index_out,
                      const char **missing);

#endif
