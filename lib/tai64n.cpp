// SPDX-License-Identifier: MIT
// tai64n: packing, formatting and parsing of TAI64N labels.
#include "svkit/tai64n.hpp"

#include <sys/time.h>

#include "svkit/digits.hpp"

namespace svkit {

Tai64n tai_now() noexcept {
  struct timeval tv;
  ::gettimeofday(&tv, nullptr);
  return Tai64n::from_unix(tv.tv_sec, static_cast<uint32_t>(tv.tv_usec) * 1000 + 500);
}

void tai_pack(const Tai64n& t, unsigned char out[12]) noexcept {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(t.sec >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<unsigned char>(t.nano >> (24 - 8 * i));
}

Tai64n tai_unpack(const unsigned char in[12]) noexcept {
  Tai64n t;
  for (int i = 0; i < 8; ++i) t.sec = (t.sec << 8) | in[i];
  for (int i = 0; i < 4; ++i) t.nano = (t.nano << 8) | in[8 + i];
  return t;
}

std::string tai_format(const Tai64n& t) {
  unsigned char raw[12];
  tai_pack(t, raw);
  std::string s(25, '@');
  for (int i = 0; i < 12; ++i) {
    s[1 + 2 * i] = kHexDigits[raw[i] >> 4];
    s[2 + 2 * i] = kHexDigits[raw[i] & 15];
  }
  return s;
}

std::optional<Tai64n> tai_parse(std::string_view text) noexcept {
  if (text.size() != 25 || text[0] != '@') return std::nullopt;
  unsigned char raw[12];
  for (int i = 0; i < 24; ++i) {
    char c = text[1 + i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) return std::nullopt;
    if (i % 2 == 0) raw[i / 2] = static_cast<unsigned char>(v << 4);
    else raw[i / 2] |= static_cast<unsigned char>(v);
  }
  return tai_unpack(raw);
}

}  // namespace svkit
