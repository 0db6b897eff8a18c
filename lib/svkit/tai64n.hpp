// SPDX-License-Identifier: MIT
// tai64n: TAI64N labels as runit and daemontools record them (2^62 + 10 + Unix seconds,
// nanoseconds = 1000 * microseconds + 500). Pure, except now().
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace svkit {

inline constexpr uint64_t kTaiEpoch = (uint64_t{1} << 62) + 10;  // label of Unix second 0

struct Tai64n {
  uint64_t sec = 0;   // TAI64 label (kTaiEpoch + Unix seconds)
  uint32_t nano = 0;  // 0..999999999

  static Tai64n from_unix(int64_t unix_sec, uint32_t nsec) noexcept {
    return {kTaiEpoch + static_cast<uint64_t>(unix_sec), nsec};
  }
  int64_t unix_seconds() const noexcept { return static_cast<int64_t>(sec - kTaiEpoch); }
  bool operator==(const Tai64n& o) const noexcept { return sec == o.sec && nano == o.nano; }
};

// The wall clock now, with runit's microsecond rounding (nano ends in 500).
Tai64n tai_now() noexcept;

// 12 bytes big-endian (8 seconds, 4 nanoseconds).
void tai_pack(const Tai64n& t, unsigned char out[12]) noexcept;
Tai64n tai_unpack(const unsigned char in[12]) noexcept;

// "@" + 24 lower-case hex digits, as svlogd -t writes it.
std::string tai_format(const Tai64n& t);
// Parses "@" + 24 hex digits; nullopt when malformed.
std::optional<Tai64n> tai_parse(std::string_view text) noexcept;

}  // namespace svkit
