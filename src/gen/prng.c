#include "gen/prng.h"

uint64_t kf_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void kf_rng_seed(kf_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = kf_splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t kf_rng_next(kf_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t kf_rng_below(kf_rng *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do {
        x = kf_rng_next(r);
    } while (x >= limit);
    return x % n;
}

int64_t kf_rng_range(kf_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)kf_rng_below(r, (uint64_t)(hi - lo) + 1);
}

double kf_rng_unit(kf_rng *r)
{
    return (double)(kf_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

int kf_rng_chance(kf_rng *r, double p)
{
    return kf_rng_unit(r) < p;
}

size_t kf_rng_weighted(kf_rng *r, const unsigned *w, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    uint64_t x = kf_rng_below(r, sum);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return n - 1;
}
