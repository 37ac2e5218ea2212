/* The demo data `make run` starts with: one project and one account per role,
 * created only in an empty database and only when asked (--demo 1). */
#ifndef KF_DEMO_H
#define KF_DEMO_H

#include "store/store.h"

#include <stddef.h>

#define KF_DEMO_PASSWORD "kefu-demo"

typedef struct {
    const char *login, *role, *display_name;
} kf_demo_account;

/* kf_demo_accounts: the table (static), *n entries. */
const kf_demo_account *kf_demo_accounts(size_t *n);
/* kf_demo_seed: creates the demo project and accounts when there are no
 * users yet; *created says whether it did. */
int kf_demo_seed(kf_store *s, int *created);

#endif
