// SPDX-License-Identifier: MIT
// row_index: an open-addressing hash set of row numbers (4 bytes a slot, linear probing,
// at most 3/4 full). The rows themselves live in the caller's table; the caller passes
// the hash of what it looks for and a test, so one index type serves names, (dev, ino)
// and pids without storing any of them twice.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace svkit {

class RowIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // The row R with MATCH(R) among those inserted with hash H; kNone when none.
  template <class Match>
  uint32_t find(size_t h, Match match) const {
    if (slots_.empty()) return kNone;
    for (size_t i = h & mask(); slots_[i] != kNone; i = (i + 1) & mask())
      if (match(slots_[i])) return slots_[i];
    return kNone;
  }

  // Adds ROW under hash H; HASH_OF(row) gives any stored row's hash (to grow).
  template <class HashOf>
  void insert(size_t h, uint32_t row, HashOf hash_of) {
    if ((used_ + 1) * 4 > slots_.size() * 3) grow(hash_of);
    size_t i = h & mask();
    while (slots_[i] != kNone) i = (i + 1) & mask();
    slots_[i] = row;
    ++used_;
  }

  // Removes ROW, inserted with hash H (backward-shift deletion: no tombstones).
  template <class HashOf>
  void erase(size_t h, uint32_t row, HashOf hash_of) {
    if (slots_.empty()) return;
    size_t i = h & mask();
    while (slots_[i] != row) {
      if (slots_[i] == kNone) return;
      i = (i + 1) & mask();
    }
    for (size_t j = (i + 1) & mask(); slots_[j] != kNone; j = (j + 1) & mask()) {
      size_t home = hash_of(slots_[j]) & mask();
      // Move J into the hole at I unless J's home lies cyclically in (I, J].
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = kNone;
    --used_;
  }

  size_t size() const { return used_; }

 private:
  size_t mask() const { return slots_.size() - 1; }
  template <class HashOf>
  void grow(HashOf hash_of) {
    std::vector<uint32_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, kNone);
    for (uint32_t r : old) {
      if (r == kNone) continue;
      size_t i = hash_of(r) & mask();
      while (slots_[i] != kNone) i = (i + 1) & mask();
      slots_[i] = r;
    }
  }

  std::vector<uint32_t> slots_;
  size_t used_ = 0;
};

}  // namespace svkit
