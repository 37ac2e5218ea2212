/* Rules for account fields, shared by the API and the command line. */
#ifndef KF_ACCOUNT_H
#define KF_ACCOUNT_H

/* kf_login_problem: NULL when LOGIN is acceptable (3–64 of letters, digits
 * and . _ @ -), else the reason key ("too_short", "too_long", "invalid"). */
const char *kf_login_problem(const char *login);
/* kf_password_problem: NULL for 8–128 characters, else the reason key. */
const char *kf_password_problem(const char *password);
/* kf_utf8_chars: characters (code points) in valid UTF-8 S. */
unsigned long kf_utf8_count(const char *s);

#endif
