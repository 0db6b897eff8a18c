// SPDX-License-Identifier: MIT
// svlogd's patterns: input = PATTERN '\n' LINE. Matching is total (no fault, no hang) and
// consistent with plain facts: a pattern without * and + matches only itself, "*" matches
// everything, and log_select with one rule agrees with log_pattern_match.
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "svkit/log_pattern.hpp"

using namespace svkit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view pat = in.substr(0, nl);
  std::string_view line = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  bool m = log_pattern_match(pat, line);
  if (pat.find_first_of("*+") == std::string_view::npos) FUZZ_CHECK(m == (pat == line));
  FUZZ_CHECK(log_pattern_match("*", line));
  FUZZ_CHECK(log_pattern_match(line, line) || line.find_first_of("*+") != std::string_view::npos);
  std::vector<std::string> rules{"-" + std::string(pat), "E" + std::string(pat)};
  LogSelect sel = log_select(rules, line);
  FUZZ_CHECK(sel.log == !m);
  FUZZ_CHECK(sel.err == false);
  rules = {"-*", "+" + std::string(pat), "e" + std::string(pat)};
  sel = log_select(rules, line);
  FUZZ_CHECK(sel.log == m && sel.err == m);
  return 0;
}
