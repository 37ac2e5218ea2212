#include "core/embedded.h"

#include <string.h>

const kf_embedded_file *kf_embedded_find(const char *path)
{
    for (const kf_embedded_file *f = kf_embedded_files; f->path; f++)
        if (strcmp(f->path, path) == 0) return f;
    return NULL;
}
