// SPDX-License-Identifier: MIT
// supervise_policy_fixture: readers of supervise/svkit-status for the policy tests.
#pragma once
#include <map>
#include <string>

#include "supervise_fixture.hpp"

namespace svkit::test::pol {

// supervise/svkit-status as key -> value ("" when the file is missing or empty).
inline std::map<std::string, std::string> ext_of(const fs::path& d) {
  std::map<std::string, std::string> out;
  for (const auto& line : split_lines(read_file(d / "supervise/svkit-status"))) {
    auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    out[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return out;
}
inline std::string ext(const fs::path& d, const std::string& key) { return ext_of(d)[key]; }
inline bool phase_becomes(const fs::path& d, const std::string& phase, Millis t = 5s) {
  return eventually(t, [&] { return ext(d, "phase") == phase; });
}
// A run that waits (bounded) for the file ../NAME, then does TAIL.
inline std::string after_file(const std::string& name, const std::string& tail) {
  return "i=0; while [ ! -e ../" + name + " ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done\n" + tail;
}
inline void touch(const fs::path& p) { write_file(p, ""); }
inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace svkit::test::pol
