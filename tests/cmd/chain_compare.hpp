// SPDX-License-Identifier: MIT
// chain_compare: run svkit's chain loader and daemontools' (Debian /usr/bin/NAME) on the
// same invocation, optionally as another user, for the side-by-side e2e tests.
#pragma once
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace svkit::test::chain {

struct Both {
  Result ours, theirs;
  bool compared = false;  // false when daemontools' binary is missing (fails under CI)
};

inline std::string daemontools(const std::string& tool) { return "/usr/bin/" + tool; }

// Runs ours and theirs with ARGS; WRAPPER (e.g. setpriv ... as nobody) goes in front.
inline Both run_both(const std::string& tool, const std::vector<std::string>& args,
                     const RunOptions& opt = {}, const std::vector<std::string>& wrapper = {}) {
  auto one = [&](const std::string& program) {
    if (wrapper.empty()) return run(program, args, opt);
    std::vector<std::string> all(wrapper.begin() + 1, wrapper.end());
    all.push_back(program);
    all.insert(all.end(), args.begin(), args.end());
    return run(wrapper.front(), all, opt);
  };
  Both b;
  b.ours = one(bin(tool));
  if (require_anchor(daemontools(tool))) {
    b.theirs = one(daemontools(tool));
    b.compared = true;
  }
  return b;
}

// Same exit code, stdout and stderr as daemontools (when it is installed).
inline void check_same(const Both& b) {
  if (!b.compared) return;
  CHECK(b.ours.code == b.theirs.code);
  CHECK(b.ours.out == b.theirs.out);
  CHECK(b.ours.err == b.theirs.err);
}

// setpriv in front of a command: run it as nobody/nogroup with no supplementary groups.
inline std::vector<std::string> as_nobody() {
  return {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
}
// Root and setpriv, or (harness require()) a failure under CI and a warning elsewhere.
inline bool can_switch_user() { return require_root() && require_anchor("/usr/bin/setpriv"); }

// A TempDir that other users may enter (mkdtemp makes it 0700).
inline void open_up(const TempDir& t) { ::chmod(t.path().c_str(), 0755); }

// Last line of a text without its newline ("" for none).
inline std::string last_line(const std::string& s) {
  auto lines = split_lines(s);
  return lines.empty() ? "" : lines.back();
}

// The value of NAME in env(1) output (values without newlines); nullopt when absent.
inline std::optional<std::string> env_value(const std::string& env_out, const std::string& name) {
  for (const auto& line : split_lines(env_out))
    if (line.compare(0, name.size() + 1, name + "=") == 0) return line.substr(name.size() + 1);
  return std::nullopt;
}

}  // namespace svkit::test::chain
