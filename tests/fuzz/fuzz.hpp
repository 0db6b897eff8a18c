// SPDX-License-Identifier: MIT
// Shared by the libFuzzer targets of tests/fuzz (built with SVKIT_FUZZ=ON, run by
// scripts/fuzz). A broken invariant aborts, which libFuzzer reports as a crash and saves
// the input as the reproducer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

// Reads the input front to back; past the end every read yields 0.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ == end_; }
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  uint8_t byte() { return p_ == end_ ? 0 : *p_++; }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | byte();
    return v;
  }
  // Up to N bytes (fewer at the end).
  std::string_view take(size_t n) {
    if (n > left()) n = left();
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  std::string_view rest() { return take(left()); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};
