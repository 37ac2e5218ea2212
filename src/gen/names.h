/* Plausible people and seasons for the generator: Chinese names from
 * surname and given-name tables, mainland mobile numbers, and the monthly
 * weight of a ticket category (leaks and cracks peak in the rainy season,
 * June to September). Pure functions over the caller's kf_rng. */
#ifndef KF_GEN_NAMES_H
#define KF_GEN_NAMES_H

#include "gen/prng.h"

#include <stddef.h>

/* kf_gen_name: a surname and one or two given characters into OUT (at least
 * 16 bytes), UTF-8. */
void kf_gen_name(kf_rng *r, char *out, size_t len);
/* kf_gen_mobile: "1[3-9]" and nine digits into OUT (at least 12 bytes). */
void kf_gen_mobile(kf_rng *r, char *out, size_t len);
/* kf_gen_season_weight: the relative weight (percent, 100 = average) of a
 * category in MONTH (1–12); WET: a leak or crack category. */
unsigned kf_gen_season_weight(int wet, int month);

#endif
