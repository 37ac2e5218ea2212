/* Importing units and people from CSV (UTF-8 or GB18030), as one
 * transaction that keeps nothing unless every row is good, or the caller
 * asked to skip bad rows; a dry run keeps nothing at all. */
#ifndef KF_IMPORTS_H
#define KF_IMPORTS_H

#include "http/req.h"
#include "store/audit.h"
#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    /* in */
    const char *kind; /* "units" or "people" */
    int64_t project_id;
    int dry_run, skip_invalid;
    const char *data; /* the file as uploaded, borrowed */
    size_t len;
    kf_actor actor;
    kf_req *req;      /* the app (keys) and an arena; the CLI builds one */
    const char *lang; /* for messages in the report */
    /* out */
    const char *encoding;
    int64_t rows, invalid_rows, written;
    int file_error;     /* the file as a whole was refused (encoding, header, CSV syntax) */
    const char *detail; /* what a binary file looked like */
    json_t *errors;     /* [{line, column, field, reason, message}], owned; the caller decrefs */
} kf_import;

/* kf_import_run: KF_OK when the rows were written (or checked, for a dry run);
 * KF_EINVAL when the file or a row was refused (see im->errors; nothing
 * written); other codes when the database failed. */
int kf_import_run(kf_store *store, kf_import *im);
/* kf_import_report: the outcome as the API and CLI show it (new reference). */
json_t *kf_import_report(const kf_import *im);

#endif
