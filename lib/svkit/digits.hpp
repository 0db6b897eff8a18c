// SPDX-License-Identifier: MIT
// digits: numbers written as text into a caller's buffer: no heap, no locale, no stdio
// (supervise formats its pid file and ./finish's arguments with these).
#pragma once
#include <cstddef>
#include <cstdint>

namespace svkit {

inline constexpr char kHexDigits[] = "0123456789abcdef";

// V in decimal at OUT, no terminator; returns the length (at most 20).
size_t format_uint(char* out, unsigned long long v) noexcept;
// The same with a leading '-' for a negative V (at most 20).
size_t format_int(char* out, long long v) noexcept;
// Exactly WIDTH digits of V, zero-padded (higher digits dropped): hex and decimal.
void put_hex(char* out, uint64_t v, int width) noexcept;
void put_dec(char* out, uint64_t v, int width) noexcept;

}  // namespace svkit
