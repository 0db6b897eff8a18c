// SPDX-License-Identifier: MIT
// env_edit: a list of environment changes ("NAME=VALUE" sets, "NAME" removes) applied to
// an environment exactly as daemontools' pathexec does it, for envdir and envuidgid.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace svkit {

class EnvEdit {
 public:
  void set(std::string_view name, std::string_view value);
  void unset(std::string_view name);
  bool empty() const noexcept { return edits_.empty(); }

  // ENV with the edits applied in order. Each edit's name is its text up to the first '='
  // (so a name containing '=' splits there, as in daemontools); it removes the first entry
  // of that name (the last entry moves into its place) and is then appended if it holds
  // a '='. The pointers refer into ENV and into *this: keep both alive and unchanged.
  std::vector<char*> apply(char* const* env) const;

 private:
  std::vector<std::string> edits_;
};

}  // namespace svkit
