/* Files kept by content: each blob lives at ROOT/ab/cd/<sha256 hex>, where
 * ab and cd are the first two hex pairs of its SHA-256, so equal content is
 * stored once and a name says what the bytes must be.
 *
 * Writes are atomic and durable: a blob is written under a unique temporary
 * name in its final directory, synced, renamed into place and the directory
 * synced, so a crash leaves either the whole file or none under the final
 * name (at worst a stray ".tmp-*" file, never read). Reads check the content
 * against its name, so disk corruption surfaces as KF_EIO instead of wrong
 * bytes served; at the 10 MB attachment limit hashing costs a few ms.
 *
 * Thread-safe: a store holds only its root path, read-only after open, and
 * temporary names carry 128 random bits, so threads and processes may share
 * one root. Directories are created 0700 and files 0600. */
#ifndef KF_BLOBSTORE_H
#define KF_BLOBSTORE_H

#include <stddef.h>

#define KF_BLOB_HASH_LEN 65 /* 64 lowercase hex digits + NUL */

typedef struct kf_blobstore kf_blobstore;

/* kf_blobstore_open: a store at ROOT, created (mode 0700, with missing
 * parents, like mkdir -p) when absent. ROOT is resolved to an absolute path
 * once, so later chdir() calls do not move the store. KF_OK, or KF_EINVAL /
 * KF_EIO with a one-line reason in ERR. */
int kf_blobstore_open(const char *root, kf_blobstore **out, char *err, size_t errlen);
void kf_blobstore_close(kf_blobstore *b);

/* kf_blobstore_put: stores LEN bytes of DATA (NULL allowed when LEN is 0) and
 * gives their SHA-256 in HASH_HEX. Content already stored intact is not
 * written again; a stored copy that no longer matches is replaced. KF_OK or
 * KF_EIO (then nothing new is visible under the final name). */
int kf_blobstore_put(kf_blobstore *b, const void *data, size_t len,
                     char hash_hex[KF_BLOB_HASH_LEN]);

/* kf_blobstore_path: the file name for HASH_HEX into OUT. KF_EINVAL when
 * HASH_HEX is not exactly 64 lowercase hex digits (so no name can leave the
 * store) or OUT is too small. */
int kf_blobstore_path(const kf_blobstore *b, const char *hash_hex, char *out, size_t outlen);

/* kf_blobstore_read: the whole blob HASH_HEX into *DATA (free() it; never
 * NULL on success, even for an empty blob) and *LEN. KF_EINVAL for a
 * malformed hash, KF_ENOTFOUND when absent, KF_ELIMIT when larger than MAX
 * bytes (nothing is read), KF_EIO on a read error or when the content does
 * not hash to HASH_HEX. */
int kf_blobstore_read(kf_blobstore *b, const char *hash_hex, size_t max, void **data, size_t *len);

#endif
