#ifndef CRECAST_KERNELS_H
#define CRECAST_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Constants of one symmetric static quantization (`StaticCodes` in RecastQuantization).
typedef struct {
  /// The scale divisor `d` (`symmetricDivisor`: 127.5, 7.5, or 127, 7 with narrow range).
  float divisor;
  /// The smallest scale, `QParams.epsilon`.
  float epsilon;
  /// The code range relative to the zero point, `[qmin − z, qmax − z]`.
  float low;
  float high;
  /// The zero point's low byte.
  uint32_t zero;
  /// 8 (one code a byte) or 4 (two a byte, low nibble first).
  int32_t bits;
} recast_static_params;

/// Scales and codes of groups `first..<last`, group `g` being the `n` floats at `x + g·n`.
///
/// `scale[g] = max(a / d, ε)` with `a = max |x|` of the group (NaN ignored, 0 without a number); element `i`'s code
/// is the low byte of `round_half_even(min(x / s, high)) + z` (true IEEE division), and for groups holding NaN or
/// ±∞ `round_half_even(clamp(x / s, low, high)) + z` with NaN quotients 0. 8-bit codes go to `out[i]`, 4-bit codes
/// to the nibbles of `out[i / 2]`, low first; for 4 bits `first·n` must be even.
void recast_static_codes(
    const float *x, size_t n, size_t first, size_t last, recast_static_params params, float *scale, uint8_t *out);

/// `recast_static_codes` without vector instructions beyond the baseline; identical results.
void recast_static_codes_portable(
    const float *x, size_t n, size_t first, size_t last, recast_static_params params, float *scale, uint8_t *out);

/// Whether `recast_static_codes` takes its AVX2 path on this machine.
int recast_static_codes_vectorized(void);

#endif
