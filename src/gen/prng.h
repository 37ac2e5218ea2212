/* The generator's random numbers: xoshiro256** seeded through splitmix64,
 * so a seed gives the same sequence on every machine (no rand()). The state
 * is the caller's; nothing global. */
#ifndef KF_GEN_PRNG_H
#define KF_GEN_PRNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} kf_rng;

/* kf_splitmix64: the next value of the splitmix64 sequence at *X (advanced). */
uint64_t kf_splitmix64(uint64_t *x);
/* kf_rng_seed: RNG's state from SEED and a STREAM number (independent
 * sequences for the same seed). */
void kf_rng_seed(kf_rng *r, uint64_t seed, uint64_t stream);
uint64_t kf_rng_next(kf_rng *r);
/* kf_rng_below: uniform in [0, N) (N > 0), without modulo bias. */
uint64_t kf_rng_below(kf_rng *r, uint64_t n);
/* kf_rng_range: uniform in [LO, HI] (LO <= HI). */
int64_t kf_rng_range(kf_rng *r, int64_t lo, int64_t hi);
/* kf_rng_unit: uniform in [0, 1) with 53 bits. */
double kf_rng_unit(kf_rng *r);
/* kf_rng_chance: 1 with probability P. */
int kf_rng_chance(kf_rng *r, double p);
/* kf_rng_weighted: an index of W[0..N) with probability W[i] / sum (sum > 0). */
size_t kf_rng_weighted(kf_rng *r, const unsigned *w, size_t n);

#endif
