/* The starc command's one number formatter: exactly what "%.17g" prints in the
 * C locale, except that every NaN is "nan" (glibc prints "-nan" for a NaN
 * with the sign bit set); so infinities are "inf" and "-inf" and negative
 * zero is "-0".  TSV files, text output and gnuplot datablocks all use it.
 *
 * It is also several times faster than printf, for the millions of numbers
 * `starc experiment` writes into pairs.tsv: for 1e-4 <= |x| < 1e15 the 17
 * significant digits are computed exactly with 128-bit integers: x = m 2^e
 * (m < 2^53), q = round(x 10^p) with p = 16 - k, k = floor(log10 |x|), i.e.
 * q = round(m 5^p 2^(e+p)), rounding half to even as glibc does; then printed
 * the way %g prints (fixed notation in this range, trailing zeros and a bare
 * decimal point removed).  Every other value, and every platform without
 * __int128, goes through snprintf.  tests/test-study.c compares it with
 * snprintf on millions of values. */
#ifndef STARC_FMT17_H
#define STARC_FMT17_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Write x as "%.17g" would into buf (at least 32 bytes); returns the length. */
static inline int fmt17(char *buf, double x)
{
    if (isnan(x)) {
        memcpy(buf, "nan", 4);
        return 3;
    }
#if defined(__SIZEOF_INT128__)
    double a = fabs(x);
    if (a >= 1e-4 && a < 1e15) {
        static const uint64_t p5[28] = {
            1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL, 1953125ULL,
            9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL, 30517578125ULL,
            152587890625ULL, 762939453125ULL, 3814697265625ULL, 19073486328125ULL, 95367431640625ULL,
            476837158203125ULL, 2384185791015625ULL, 11920928955078125ULL, 59604644775390625ULL,
            298023223876953125ULL, 1490116119384765625ULL, 7450580596923828125ULL};
        const uint64_t lo = 10000000000000000ULL, hi = 100000000000000000ULL;
        uint64_t bits;
        memcpy(&bits, &a, sizeof bits); /* a is normal in this range */
        uint64_t m = (bits & 0xFFFFFFFFFFFFFULL) | 0x10000000000000ULL;
        int e = (int)((bits >> 52) & 0x7FF) - 1075; /* a = m 2^e exactly */
        /* log10(a) is in [(e+52) log10 2, (e+53) log10 2): k is this or one more */
        int k = (int)floor((double)(e + 52) * 0.30102999566398120);
        uint64_t q = 0;
        unsigned __int128 rem = 0, half = 0;
        int ok = 0;
        for (int tries = 0; tries < 4 && !ok; tries++) {
            int p = 16 - k;
            if (p < 0 || p > 27)
                break;
            unsigned __int128 N = (unsigned __int128)m * p5[p];
            int s = e + p;
            if (s >= 0) {
                if (s > 60)
                    break;
                unsigned __int128 v = N << s;
                if (v >= hi) { k++; continue; }
                q = (uint64_t)v;
                rem = 0;
                half = 1;
            } else {
                int sh = -s;
                if (sh > 120)
                    break;
                unsigned __int128 v = N >> sh;
                if (v >= hi) { k++; continue; }
                q = (uint64_t)v;
                rem = N & ((((unsigned __int128)1) << sh) - 1);
                half = ((unsigned __int128)1) << (sh - 1);
            }
            if (q < lo) { k--; continue; }
            ok = 1;
        }
        if (ok) {
            if (rem > half || (rem == half && (q & 1)))
                q++;
            if (q == hi) {
                q = lo;
                k++;
            }
            static const char d2[201] =
                "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                "8081828384858687888990919293949596979899";
            char dig[17];
            uint32_t hi9 = (uint32_t)(q / 100000000u), lo8 = (uint32_t)(q % 100000000u);
            for (int i = 16; i > 8; i -= 2) { /* digits 9..16 from lo8 */
                uint32_t r = lo8 % 100u;
                lo8 /= 100u;
                dig[i - 1] = d2[2 * r];
                dig[i] = d2[2 * r + 1];
            }
            for (int i = 8; i > 0; i -= 2) { /* digits 1..8 from hi9 */
                uint32_t r = hi9 % 100u;
                hi9 /= 100u;
                dig[i - 1] = d2[2 * r];
                dig[i] = d2[2 * r + 1];
            }
            dig[0] = (char)('0' + hi9);
            char *o = buf;
            if (x < 0)
                *o++ = '-';
            if (k >= 0) { /* k in [0, 15]: k+1 integer digits */
                memcpy(o, dig, (size_t)k + 1);
                o += k + 1;
                int last = 16;
                while (last > k && dig[last] == '0')
                    last--;
                if (last > k) {
                    *o++ = '.';
                    memcpy(o, dig + k + 1, (size_t)(last - k));
                    o += last - k;
                }
            } else { /* k in [-4, -1]: 0.000ddd */
                *o++ = '0';
                *o++ = '.';
                for (int i = 0; i < -k - 1; i++)
                    *o++ = '0';
                int last = 16;
                while (dig[last] == '0')
                    last--;
                memcpy(o, dig, (size_t)last + 1);
                o += last + 1;
            }
            *o = '\0';
            return (int)(o - buf);
        }
    }
#endif
    return snprintf(buf, 32, "%.17g", x);
}

/* fmt17(x) onto a stream. */
static inline void fmt17_put(FILE *f, double x)
{
    char b[32];
    fmt17(b, x);
    fputs(b, f);
}

#endif
