#include "domain/account.h"

#include <string.h>

unsigned long kf_utf8_count(const char *s)
{
    unsigned long n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

const char *kf_login_problem(const char *login)
{
    size_t len = strlen(login);
    if (len < 3) return "too_short";
    if (len > 64) return "too_long";
    for (const char *p = login; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return "invalid";
    }
    return NULL;
}

const char *kf_password_problem(const char *password)
{
    unsigned long n = kf_utf8_count(password);
    if (n < 8) return "password_too_short";
    if (n > 128) return "password_too_long";
    return NULL;
}
