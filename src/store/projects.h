/* Projects (项目/小区): the scope of every permission. The records issue adds
 * the rest of their fields and their CRUD; this is what the foundation needs. */
#ifndef KF_PROJECTS_H
#define KF_PROJECTS_H

#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* kf_projects_json: the projects with the given IDS (all of them when ALL),
 * as a JSON array in id order (new reference). */
int kf_projects_json(kf_tx *tx, const int64_t *ids, size_t n, int all, json_t **out);
/* kf_project_json: one project (new reference); KF_ENOTFOUND. */
int kf_project_json(kf_tx *tx, int64_t id, json_t **out);
int kf_project_insert(kf_tx *tx, const char *code, const char *name, const char *timezone,
                      int64_t now, int64_t *id);

#endif
