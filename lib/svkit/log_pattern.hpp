// SPDX-License-Identifier: MIT
// log_pattern: runit svlogd's line patterns ('*' up to the next pattern character,
// '+c' one or more c, anything else literal; the whole line must match) and the
// +/-/e/E selection they drive. Pure.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace svkit {

bool log_pattern_match(std::string_view pattern, std::string_view line) noexcept;

struct LogSelect {
  bool log = true;   // written to the log directory ('+' / '-', last match wins)
  bool err = false;  // copied to stderr ('e' / 'E', last match wins)
};

// RULES are config lines whose first character is one of + - e E (the pattern follows).
LogSelect log_select(const std::vector<std::string>& rules, std::string_view line) noexcept;

}  // namespace svkit
