// SPDX-License-Identifier: MIT
// log_pattern: a bounds-checked rendering of runit's svlogd matching rules.
#include "svkit/log_pattern.hpp"

namespace svkit {

bool log_pattern_match(std::string_view p, std::string_view s) noexcept {
  size_t pi = 0, si = 0;
  const size_t pn = p.size(), sn = s.size();
  for (;;) {
    if (pi == pn) return si == sn;
    char c = p[pi++];
    if (c == '*') {
      if (pi == pn) return true;  // a trailing '*' takes the rest of the line
      c = p[pi];                  // skip up to the next pattern character (not consumed)
      while (si < sn && s[si] != c) ++si;
      if (si == sn) return false;
    } else if (c == '+') {
      if (pi == pn || si == sn) return false;
      c = p[pi++];
      if (s[si] != c) return false;
      while (si < sn && s[si] == c) ++si;
      if (si == sn) return true;  // as runit: an exhausted line after '+c' matches
    } else {
      if (si == sn || s[si] != c) return false;
      ++si;
    }
  }
}

LogSelect log_select(const std::vector<std::string>& rules, std::string_view line) noexcept {
  LogSelect sel;
  for (const auto& r : rules) {
    if (r.empty()) continue;
    std::string_view pat(r.data() + 1, r.size() - 1);
    switch (r[0]) {
      case '+':
      case '-':
        if (log_pattern_match(pat, line)) sel.log = r[0] == '+';
        break;
      case 'e':
      case 'E':
        if (log_pattern_match(pat, line)) sel.err = r[0] == 'e';
        break;
    }
  }
  return sel;
}

}  // namespace svkit
