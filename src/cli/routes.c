/* kefu routes: every registered route with its permission, and which roles
 * hold which permission, as JSON. The test suite checks docs/openapi.yaml and
 * the permission matrix against it. */
#include "cli/cli.h"

#include "api/api.h"
#include "core/err.h"
#include "domain/perm.h"
#include "http/router.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int kf_cli_routes(int argc, char **argv, char **envp)
{
    kf_router *r = kf_router_new();
    if (kf_api_register(r) != KF_OK) {
        fprintf(stderr, "kefu: a route was refused\n");
        kf_router_free(r);
        return 1;
    }
    json_t *routes = json_array();
    for (size_t i = 0; i < kf_router_count(r); i++) {
        const kf_route *rt = kf_router_at(r, i);
        json_array_append_new(routes, json_pack("{s:s, s:s, s:s}", "method", rt->method, "path",
                                                rt->pattern, "permission", rt->permission));
    }
    json_t *roles = json_object();
    for (int role = 0; role < KF_ROLE_COUNT; role++)
        json_object_set_new(roles, kf_role_name((kf_role)role),
                            kf_api_role_permissions((kf_role)role));
    json_t *out = json_pack("{s:o, s:o}", "routes", routes, "roles", roles);
    char *text = json_dumps(out, JSON_INDENT(2));
    printf("%s\n", text);
    free(text);
    json_decref(out);
    kf_router_free(r);
    return 0;
}
