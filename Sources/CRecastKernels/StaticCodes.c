// Symmetric static quantization of contiguous float32 groups: per group `s = max(max |x| / d, ε)`, then the codes
// `round_half_even(min(x / s, high)) + z`, in one pass while the group is in cache. The portable functions mirror
// `StaticCodes` in RecastQuantization (its reference) step for step; the AVX2 ones compute the same IEEE operations
// eight lanes at a time, so every path gives the same bytes and scales.
#include "CRecastKernels.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RECAST_X86 1
#endif

/// The bit pattern of `+∞`.
#define INFINITY_BITS 0x7F800000u
/// `1.5·2²³`: adding it rounds `|v| < 2²²` to an integer, half to even; the sum's low bits hold the integer.
#define MAGIC 12582912.0f

static inline uint32_t bits_of(float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static inline float float_of(uint32_t b) {
  float v;
  memcpy(&v, &b, sizeof v);
  return v;
}

/// `max(v, ε)` as Swift's `max(v, ε)` evaluates it.
static inline float guarded(float v, float epsilon) { return epsilon >= v ? epsilon : v; }

/// The largest bit pattern of `|x[i]|`: that of `max |x|` without NaN, above `INFINITY_BITS` with one.
static inline uint32_t abs_max_bits(const float *x, size_t n) {
  uint32_t m = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t v = bits_of(x[i]) & 0x7FFFFFFFu;
    m = v > m ? v : m;
  }
  return m;
}

/// `max |x[i]|`, NaN ignored (0 without a number).
static inline float abs_max(const float *x, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; i++) {
    float v = __builtin_fabsf(x[i]);
    m = v > m ? v : m;
  }
  return m;
}

/// The group's scale from its largest `|x|` bit pattern `m`.
static inline float group_scale(const float *x, size_t n, uint32_t m, recast_static_params p) {
  float a = m > INFINITY_BITS ? abs_max(x, n) : float_of(m);
  return guarded(a / p.divisor, p.epsilon);
}

/// The code byte of an element of a group without NaN or ±∞ (its quotients lie within one step of the range).
static inline uint8_t fast_code(float x, float s, recast_static_params p) {
  float v = x / s;
  v = v > p.high ? p.high : v;
  return (uint8_t)(bits_of(v + MAGIC) + p.zero);
}

/// The code byte of any element (`IntegerCodes.Group.code`): NaN quotients 0, both ends clamped.
static inline uint8_t general_code(float x, float s, recast_static_params p) {
  float v = x / s;
  v = v != v ? 0 : v;
  v = v < p.low ? p.low : v;
  v = v > p.high ? p.high : v;
  return (uint8_t)(bits_of(v + MAGIC) + p.zero);
}

/// Stores the code of element `e` (a global index): a byte, or a nibble of `out[e / 2]`. An even element sets its
/// byte (high nibble 0), the odd one after it adds its high nibble, so elements of a byte go in increasing order.
static inline void put(uint8_t *out, size_t e, uint8_t c, int bits) {
  if (bits == 8) {
    out[e] = c;
  } else if ((e & 1) == 0) {
    out[e >> 1] = c & 0x0F;
  } else {
    out[e >> 1] |= (uint8_t)(c << 4);
  }
}

/// Codes of elements `start..<end` of group `g`, one at a time.
static inline void scalar_codes(
    const float *x, size_t n, size_t g, size_t start, size_t end, float s, int fast, recast_static_params p,
    uint8_t *out) {
  const float *xg = x + g * n;
  size_t base = g * n;
  if (p.bits == 8 && fast) {
    uint8_t *o = out + base;
    for (size_t i = start; i < end; i++) o[i] = fast_code(xg[i], s, p);
    return;
  }
  for (size_t i = start; i < end; i++) {
    put(out, base + i, fast ? fast_code(xg[i], s, p) : general_code(xg[i], s, p), p.bits);
  }
}

void recast_static_codes_portable(
    const float *x, size_t n, size_t first, size_t last, recast_static_params p, float *scale, uint8_t *out) {
  for (size_t g = first; g < last; g++) {
    const float *xg = x + g * n;
    uint32_t m = abs_max_bits(xg, n);
    float s = group_scale(xg, n, m, p);
    scale[g] = s;
    scalar_codes(x, n, g, 0, n, s, m < INFINITY_BITS, p, out);
  }
}

#if RECAST_X86
#define AVX2 __attribute__((target("avx2")))

/// `abs_max_bits` eight lanes at a time (an unsigned maximum of the bit patterns, like the scalar loop).
AVX2 static inline uint32_t abs_max_bits_avx2(const float *x, size_t n) {
  const __m256i mask = _mm256_set1_epi32(0x7FFFFFFF);
  __m256i m0 = _mm256_setzero_si256(), m1 = m0, m2 = m0, m3 = m0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), mask));
    m1 = _mm256_max_epu32(m1, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i + 8)), mask));
    m2 = _mm256_max_epu32(m2, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i + 16)), mask));
    m3 = _mm256_max_epu32(m3, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i + 24)), mask));
  }
  for (; i + 8 <= n; i += 8) {
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), mask));
  }
  m0 = _mm256_max_epu32(_mm256_max_epu32(m0, m1), _mm256_max_epu32(m2, m3));
  __m128i h = _mm_max_epu32(_mm256_castsi256_si128(m0), _mm256_extracti128_si256(m0, 1));
  h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0x4E));
  h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0xB1));
  uint32_t m = (uint32_t)_mm_cvtsi128_si32(h);
  for (; i < n; i++) {
    uint32_t v = bits_of(x[i]) & 0x7FFFFFFFu;
    m = v > m ? v : m;
  }
  return m;
}

/// Constants of `fast_code` in every lane.
typedef struct {
  __m256 scale, high, magic;
  __m256i zero, byte;
} lanes;

/// `fast_code` of eight elements, one per 32-bit lane (0–255).
AVX2 static inline __m256i codes8(const float *x, lanes c) {
  __m256 v = _mm256_div_ps(_mm256_loadu_ps(x), c.scale);
  v = _mm256_min_ps(c.high, v);  // high < v ? high : v, as `v > high ? high : v`
  __m256i t = _mm256_add_epi32(_mm256_castps_si256(_mm256_add_ps(v, c.magic)), c.zero);
  return _mm256_and_si256(t, c.byte);
}

/// `fast_code` of 32 elements as 32 bytes in element order.
AVX2 static inline __m256i codes32(const float *x, lanes c) {
  __m256i a = codes8(x, c), b = codes8(x + 8, c), d = codes8(x + 16, c), e = codes8(x + 24, c);
  // Per 128-bit half: 4 codes of a, b, d, e each; the permutation puts the halves' quarters back in order.
  __m256i r = _mm256_packus_epi16(_mm256_packus_epi32(a, b), _mm256_packus_epi32(d, e));
  return _mm256_permutevar8x32_epi32(r, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/// 32 code bytes folded into 16 nibble pairs, low nibble first.
AVX2 static inline __m128i nibbles32(__m256i r) {
  const __m256i low = _mm256_set1_epi16(0x000F), high = _mm256_set1_epi16(0x00F0);
  __m256i w = _mm256_or_si256(_mm256_and_si256(r, low), _mm256_and_si256(_mm256_srli_epi16(r, 4), high));
  __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi16(w, w), 0x08);
  return _mm256_castsi256_si128(p);
}

/// Eight codes (one per 32-bit lane, 0–255) as eight bytes in the low half.
AVX2 static inline __m128i bytes8(__m256i a) {
  __m256i p = _mm256_packus_epi16(_mm256_packus_epi32(a, a), _mm256_setzero_si256());
  return _mm_unpacklo_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
}

/// Eight code bytes (the low half of `b`) folded into four nibble pairs, low nibble first.
AVX2 static inline uint32_t nibbles8(__m128i b) {
  __m128i w = _mm_or_si128(
      _mm_and_si128(b, _mm_set1_epi16(0x000F)), _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi16(0x00F0)));
  return (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(w, w));
}

/// The per-lane unsigned maxima of `|x|` bit patterns over a group of `n` floats, `n` a multiple of 8.
AVX2 static inline __m256i lane_max_bits(const float *x, size_t n) {
  const __m256i mask = _mm256_set1_epi32(0x7FFFFFFF);
  __m256i m = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)x), mask);
  for (size_t i = 8; i < n; i += 8) {
    m = _mm256_max_epu32(m, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), mask));
  }
  return m;
}

/// The unsigned maximum of each of two vectors' lanes, pairwise folded: per 128-bit half `[a₀, b₀, a₁, b₁]`.
AVX2 static inline __m256i fold2(__m256i a, __m256i b) {
  return _mm256_max_epu32(_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b));
}

/// Lane `k` = the unsigned maximum of `v[k]`'s eight lanes.
AVX2 static inline __m256i transposed_max(const __m256i v[8]) {
  __m256i ab = fold2(v[0], v[1]), cd = fold2(v[2], v[3]), ef = fold2(v[4], v[5]), gh = fold2(v[6], v[7]);
  __m256i abcd = _mm256_max_epu32(_mm256_unpacklo_epi64(ab, cd), _mm256_unpackhi_epi64(ab, cd));
  __m256i efgh = _mm256_max_epu32(_mm256_unpacklo_epi64(ef, gh), _mm256_unpackhi_epi64(ef, gh));
  return _mm256_max_epu32(
      _mm256_permute2x128_si256(abcd, efgh, 0x20), _mm256_permute2x128_si256(abcd, efgh, 0x31));
}

/// Codes of group `g` (no NaN or ±∞) with scale `s`.
AVX2 static inline void group_codes_avx2(
    const float *x, size_t n, size_t g, float s, lanes c, recast_static_params p, uint8_t *out) {
  const float *xg = x + g * n;
  size_t base = g * n;
  c.scale = _mm256_set1_ps(s);
  size_t i = 0;
  if (p.bits == 8) {
    for (; i + 32 <= n; i += 32) _mm256_storeu_si256((__m256i *)(out + base + i), codes32(xg + i, c));
    for (; i + 8 <= n; i += 8) _mm_storel_epi64((__m128i *)(out + base + i), bytes8(codes8(xg + i, c)));
  } else {
    if (base & 1) {  // a group starting in the high nibble of a byte (odd group sizes)
      scalar_codes(x, n, g, 0, 1, s, 1, p, out);
      i = 1;
    }
    for (; i + 32 <= n; i += 32) _mm_storeu_si128((__m128i *)(out + (base + i) / 2), nibbles32(codes32(xg + i, c)));
    for (; i + 8 <= n; i += 8) {
      uint32_t w = nibbles8(bytes8(codes8(xg + i, c)));
      memcpy(out + (base + i) / 2, &w, sizeof w);
    }
  }
  scalar_codes(x, n, g, i, n, s, 1, p, out);
}

/// One group at a time: its maximum, scale, codes.
AVX2 static inline void single_group_avx2(
    const float *x, size_t n, size_t g, lanes c, recast_static_params p, float *scale, uint8_t *out) {
  const float *xg = x + g * n;
  uint32_t m = abs_max_bits_avx2(xg, n);
  float s = group_scale(xg, n, m, p);
  scale[g] = s;
  if (m < INFINITY_BITS) {
    group_codes_avx2(x, n, g, s, c, p, out);
  } else {
    scalar_codes(x, n, g, 0, n, s, 0, p, out);
  }
}

AVX2 static void static_codes_avx2(
    const float *x, size_t n, size_t first, size_t last, recast_static_params p, float *scale, uint8_t *out) {
  lanes c;
  c.scale = _mm256_setzero_ps();
  c.high = _mm256_set1_ps(p.high);
  c.magic = _mm256_set1_ps(MAGIC);
  c.zero = _mm256_set1_epi32((int)p.zero);
  c.byte = _mm256_set1_epi32(0xFF);
  size_t g = first;
  if (n % 8 == 0) {
    // Eight groups at a time: their maxima reduced together, eight scales in one division, then the codes.
    const __m256 divisor = _mm256_set1_ps(p.divisor), epsilon = _mm256_set1_ps(p.epsilon);
    const __m256i finite = _mm256_set1_epi32((int)INFINITY_BITS - 1);
    for (; g + 8 <= last; g += 8) {
      __m256i v[8];
      for (int k = 0; k < 8; k++) v[k] = lane_max_bits(x + (g + k) * n, n);
      __m256i m = transposed_max(v);
      __m256 s = _mm256_div_ps(_mm256_castsi256_ps(m), divisor);
      s = _mm256_blendv_ps(s, epsilon, _mm256_cmp_ps(epsilon, s, _CMP_GE_OQ));  // epsilon >= s ? epsilon : s
      _mm256_storeu_ps(scale + g, s);
      int special = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(m, finite)));
      for (int k = 0; k < 8; k++) {
        if (special >> k & 1) {
          single_group_avx2(x, n, g + k, c, p, scale, out);
        } else {
          group_codes_avx2(x, n, g + k, scale[g + k], c, p, out);
        }
      }
    }
  }
  for (; g < last; g++) single_group_avx2(x, n, g, c, p, scale, out);
}

/// Whether the AVX2 path runs here, determined once (every thread computes the same answer).
static int vectorized(void) {
  static int cached = -1;
  int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (v < 0) {
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx2") ? 1 : 0;
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
  }
  return v;
}
#else
static int vectorized(void) { return 0; }
#endif

int recast_static_codes_vectorized(void) { return vectorized(); }

void recast_static_codes(
    const float *x, size_t n, size_t first, size_t last, recast_static_params p, float *scale, uint8_t *out) {
#if RECAST_X86
  if (vectorized()) {
    static_codes_avx2(x, n, first, last, p, scale, out);
    return;
  }
#endif
  recast_static_codes_portable(x, n, first, last, p, scale, out);
}
