/* Text encodings of uploaded files. Property staff export CSV from Excel, which
 * saves UTF-8 (often with a BOM) or, on Chinese Windows, GB18030/GBK. We detect
 * which by checking the byte structure, then convert to UTF-8 so everything
 * after the upload only ever sees UTF-8. */
#ifndef KF_TEXTENC_H
#define KF_TEXTENC_H

#include <stddef.h>

typedef enum { KF_ENC_UTF8, KF_ENC_UTF8_BOM, KF_ENC_GB18030, KF_ENC_UNKNOWN } kf_encoding;

/* What kf_text_looks_binary found; 0 means the data may be text. */
enum {
    KF_BIN_NONE = 0,
    KF_BIN_ZIP = 1,   /* "PK\3\4": .xlsx, .docx, .zip */
    KF_BIN_OLE = 2,   /* D0 CF 11 E0: old .xls / .doc */
    KF_BIN_PDF = 3,   /* "%PDF" */
    KF_BIN_UTF16 = 4, /* a UTF-16 BOM: Excel's "Unicode Text" export */
    KF_BIN_NUL = 5,   /* a NUL byte somewhere: no text format we accept has one */
};

/* kf_text_detect: the encoding of DATA. A UTF-8 BOM wins; then strictly valid
 * UTF-8 (pure ASCII included); then bytes that are structurally valid GB18030.
 * UNKNOWN for anything else, and for binary data (see kf_text_looks_binary). */
kf_encoding kf_text_detect(const char *data, size_t len);

/* kf_text_looks_binary: a KF_BIN_* code for a file that is clearly not text
 * (an Excel workbook uploaded instead of its CSV export, a PDF, UTF-16, NUL
 * bytes), so the error can say what the file is rather than "bad encoding". */
int kf_text_looks_binary(const char *data, size_t len);

/* kf_text_binary_name: what a KF_BIN_* code means, in English for logs and
 * error messages ("an Excel .xlsx workbook (ZIP)"); "" for KF_BIN_NONE. */
const char *kf_text_binary_name(int kind);

/* kf_text_encoding_name: "UTF-8", "UTF-8 with BOM", "GB18030", "unknown". */
const char *kf_text_encoding_name(kf_encoding enc);

/* kf_text_to_utf8: DATA in ENC as UTF-8 in *OUT (malloc'd and NUL-terminated,
 * the caller frees; *OUTLEN excludes the NUL). A BOM is removed. UTF-8 input is
 * validated, GB18030 input is converted with iconv. Returns KF_OK; KF_EINVAL
 * for UNKNOWN or a byte sequence that is not valid in ENC (ERR names its byte
 * offset and line); KF_ELIMIT when the result would exceed MAX_OUT bytes
 * (0 = no limit). On failure *OUT is NULL. */
int kf_text_to_utf8(const char *data, size_t len, kf_encoding enc, size_t max_out, char **out,
                    size_t *outlen, char *err, size_t errlen);

#endif
