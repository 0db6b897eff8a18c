// SPDX-License-Identifier: MIT
// digits: decimal and hex digits into caller buffers.
#include "svkit/digits.hpp"

namespace svkit {

size_t format_uint(char* out, unsigned long long v) noexcept {
  char tmp[20];
  size_t n = 0;
  do tmp[n++] = static_cast<char>('0' + v % 10); while ((v /= 10) != 0);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

size_t format_int(char* out, long long v) noexcept {
  if (v >= 0) return format_uint(out, static_cast<unsigned long long>(v));
  out[0] = '-';
  return 1 + format_uint(out + 1, 0ull - static_cast<unsigned long long>(v));
}

void put_hex(char* out, uint64_t v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i, v >>= 4) out[i] = kHexDigits[v & 15];
}

void put_dec(char* out, uint64_t v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
}

}  // namespace svkit
