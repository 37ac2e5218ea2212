/* Messages for people in the request's language: zh-CN first, English second.
 * Keys are the machine-readable error codes and validation reasons. */
#ifndef KF_I18N_H
#define KF_I18N_H

/* kf_lang_pick: "zh-CN" or "en" from an Accept-Language header (may be NULL). */
const char *kf_lang_pick(const char *accept_language);
/* kf_msg: the message for KEY in LANG (static); KEY itself when unknown. */
const char *kf_msg(const char *lang, const char *key);

#endif
