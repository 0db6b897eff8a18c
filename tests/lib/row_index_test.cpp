// SPDX-License-Identifier: MIT
// row_index: the open-addressing index of row numbers svscan's table uses, checked
// against std::unordered_map through many inserts and erases with colliding hashes.
#include "svkit/row_index.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <unordered_map>

TEST_CASE("row_index: finds what was inserted, forgets what was erased", "[row_index][unit]") {
  std::vector<uint32_t> value(5000);  // row -> its value (the "table")
  // A poor hash on purpose: long probe runs and wrap-around exercise the backward shift.
  auto hash = [](uint32_t v) { return static_cast<size_t>(v % 97) * 13; };
  auto hash_of = [&](uint32_t r) { return hash(value[r]); };
  svkit::RowIndex index;
  std::unordered_map<uint32_t, uint32_t> model;  // value -> row
  std::mt19937 rng(42);
  for (int round = 0; round < 20000; ++round) {
    uint32_t v = rng() % 3000;
    auto it = model.find(v);
    uint32_t found = index.find(hash(v), [&](uint32_t r) { return value[r] == v; });
    if (it == model.end()) {
      REQUIRE(found == svkit::RowIndex::kNone);
      uint32_t r = static_cast<uint32_t>(model.size() + round) % 5000;
      while (std::any_of(model.begin(), model.end(), [&](auto& p) { return p.second == r; }))
        r = (r + 1) % 5000;
      value[r] = v;
      index.insert(hash(v), r, hash_of);
      model[v] = r;
    } else {
      REQUIRE(found == it->second);
      index.erase(hash(v), it->second, hash_of);
      model.erase(it);
    }
    REQUIRE(index.size() == model.size());
  }
  for (auto& [v, r] : model)
    CHECK(index.find(hash(v), [&, v = v](uint32_t x) { return value[x] == v; }) == r);
}
