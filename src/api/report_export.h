/* Writing a report document (report_doc.h) with the period's tickets to a
 * table file (src/report/table_out.h): the export route and `kefu report`. */
#ifndef KF_API_REPORT_EXPORT_H
#define KF_API_REPORT_EXPORT_H

#include "http/router.h"
#include "report/table_out.h"
#include "store/store.h"

#include <jansson.h>

/* kf_report_export: a sheet per section of DOC (each under the report's
 * title line), then the tickets taken in during DOC's period, read through TX
 * and written row by row. O stays open (the caller closes it). */
int kf_report_export(kf_tx *tx, const json_t *doc, kf_table_out *o);

int kf_api_report_export_register(kf_router *r);

#endif
