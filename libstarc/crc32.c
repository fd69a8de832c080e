/* CRC-32 (zlib's): folding with carry-less multiplication where the CPU has
 * it, zlib's crc32() elsewhere (crc32-internal.h).
 *
 * The method is that of V. Gopal, E. Ozturk, J. Guilford, G. Wolrich,
 * W. Feghali, M. Dixon, D. Karakoyunlu, "Fast CRC Computation for Generic
 * Polynomials Using PCLMULQDQ Instruction" (Intel white paper 323102, 2009),
 * in its bit-reflected form, which is zlib's bit order.  The message is read
 * in four 128-bit lanes, 64 bytes at a time; each lane is carried 512 bits
 * forward by multiplying its two 64-bit halves by x^e mod P for the right e
 * and adding (xor) the next 64 bytes' lane.  The four lanes are then folded
 * into one, 16 bytes at a time, and that 128-bit remainder is reduced to the
 * 32-bit CRC: 128 -> 64 -> 32 bits by two more folds, then a Barrett
 * reduction.  Fewer than 64 bytes, and the last 0-15 bytes, go to zlib.
 *
 * The constants: with P = 0x104C11DB7 and rev_k(v) the bit reversal of the
 * k-bit value v, K(e) = rev_32(x^e mod P) << 1 (the shift makes up for the
 * reflected product, one bit short of the reflected operands' width):
 * 512-bit fold K(544), K(480); 128-bit fold K(160), K(96); 64 -> 32 bits
 * K(64); Barrett mu = rev_33(floor(x^64 / P)) and P' = rev_33(P).  They are
 * the paper's (and Linux's crc32-pclmul) values; tests/test-crc32.c checks
 * the result against zlib for every length up to 4096 at every alignment. */
#include <config.h>

#include "crc32-internal.h"

#include <zlib.h>

#include "kernels-internal.h"

uint32_t starci_crc32_zlib(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    /* crc32() takes a 32-bit length */
    for (size_t k; n; b += k, n -= k) {
        k = n < ((size_t)1 << 30) ? n : (size_t)1 << 30;
        crc = (uint32_t)crc32(crc, b, (uInt)k);
    }
    return crc;
}

#if defined(__GNUC__) && defined(__x86_64__)
#define CRC_PCLMUL 1
#include <immintrin.h>
#define PCLMUL_FN __attribute__((target("pclmul,sse4.1")))

#define K544 0x154442bd4ULL
#define K480 0x1c6e41596ULL
#define K160 0x1751997d0ULL
#define K96 0x0ccaa009eULL
#define K64 0x163cd6124ULL
#define BARRETT_MU 0x1f7011641ULL
#define BARRETT_P 0x1db710641ULL

PCLMUL_FN static inline __m128i load16(const unsigned char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* x carried forward by the distance k's halves encode (low half by k's low
 * constant, high half by its high one), plus the lane next. */
PCLMUL_FN static inline __m128i fold16(__m128i x, __m128i k, __m128i next)
{
    const __m128i lo = _mm_clmulepi64_si128(x, k, 0x00), hi = _mm_clmulepi64_si128(x, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* The CRC register (not inverted) after n bytes at p, n >= 64 and a
 * multiple of 16, starting from reg. */
PCLMUL_FN static uint32_t fold_reduce(uint32_t reg, const unsigned char *p, size_t n)
{
    const __m128i k512 = _mm_set_epi64x((long long)K480, (long long)K544);
    __m128i x0 = _mm_xor_si128(load16(p), _mm_cvtsi32_si128((int)reg)), x1 = load16(p + 16), x2 = load16(p + 32),
            x3 = load16(p + 48);
    for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
        x0 = fold16(x0, k512, load16(p));
        x1 = fold16(x1, k512, load16(p + 16));
        x2 = fold16(x2, k512, load16(p + 32));
        x3 = fold16(x3, k512, load16(p + 48));
    }
    const __m128i k128 = _mm_set_epi64x((long long)K96, (long long)K160);
    x0 = fold16(fold16(fold16(x0, k128, x1), k128, x2), k128, x3);
    for (; n >= 16; p += 16, n -= 16)
        x0 = fold16(x0, k128, load16(p));
    /* 128 -> 64 bits: the low half carried 64 bits forward onto the high one */
    const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
    x0 = _mm_xor_si128(_mm_srli_si128(x0, 8), _mm_clmulepi64_si128(x0, k128, 0x10));
    /* 64 -> 32 bits: the low 32 bits carried 32 bits forward onto the rest */
    x0 = _mm_xor_si128(_mm_srli_si128(x0, 4),
                       _mm_clmulepi64_si128(_mm_and_si128(x0, low32), _mm_cvtsi64_si128((long long)K64), 0x00));
    /* Barrett: q = floor(x / P) from mu, then x - q P */
    const __m128i bar = _mm_set_epi64x((long long)BARRETT_MU, (long long)BARRETT_P);
    __m128i q = _mm_and_si128(_mm_clmulepi64_si128(_mm_and_si128(x0, low32), bar, 0x10), low32);
    x0 = _mm_xor_si128(x0, _mm_clmulepi64_si128(q, bar, 0x00));
    return (uint32_t)_mm_extract_epi32(x0, 1);
}

static uint32_t crc32_pclmul(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    if (n >= 64) {
        const size_t m = n & ~(size_t)15;
        crc = ~fold_reduce(~crc, b, m);
        b += m;
        n -= m;
    }
    return n ? starci_crc32_zlib(crc, b, n) : crc;
}
#endif

starci_crc32_fn starci_crc32_pclmul(void)
{
#ifdef CRC_PCLMUL
    /* libgcc's constructor has filled the CPU model by now (see canon.c) */
    if (__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1"))
        return crc32_pclmul;
#endif
    return NULL;
}

starci_crc32_fn starci_crc32_pick(void)
{
    starci_crc32_fn f = starci_kernels_baseline() ? NULL : starci_crc32_pclmul();
    return f ? f : starci_crc32_zlib;
}

uint32_t starci_crc32(uint32_t crc, const void *p, size_t n)
{
    return starci_crc32_pick()(crc, p, n);
}
