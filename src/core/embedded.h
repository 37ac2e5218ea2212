/* Files compiled into the binary by cmake/embed.cmake (migrations, openapi.yaml). */
#ifndef KF_EMBEDDED_H
#define KF_EMBEDDED_H

#include <stddef.h>

typedef struct {
    const char *path; /* relative to the source root, e.g. "migrations/sqlite/0001_init.sql" */
    const char *data; /* NUL-terminated */
    size_t size;
} kf_embedded_file;

/* Terminated by an entry whose path is NULL; sorted as the build listed them. */
extern const kf_embedded_file kf_embedded_files[];

/* kf_embedded_find: the file at PATH, or NULL. Borrowed, static lifetime. */
const kf_embedded_file *kf_embedded_find(const char *path);

#endif
