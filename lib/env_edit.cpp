// SPDX-License-Identifier: MIT
// env_edit: daemontools' environment editing rules (one removal per edit, swap-with-last).
#include "svkit/env_edit.hpp"

#include <string.h>

namespace svkit {

void EnvEdit::set(std::string_view name, std::string_view value) {
  std::string e(name);
  e += '=';
  e += value;
  edits_.push_back(std::move(e));
}

void EnvEdit::unset(std::string_view name) { edits_.emplace_back(name); }

std::vector<char*> EnvEdit::apply(char* const* env) const {
  std::vector<char*> out;
  for (size_t i = 0; env && env[i]; ++i) out.push_back(env[i]);
  for (const std::string& e : edits_) {
    size_t split = e.find('=');
    if (split == std::string::npos) split = e.size();
    for (size_t t = 0; t < out.size(); ++t) {
      if (strncmp(out[t], e.c_str(), split) == 0 && out[t][split] == '=') {
        out[t] = out.back();  // daemontools' order: the last entry fills the hole
        out.pop_back();
        break;
      }
    }
    if (split < e.size()) out.push_back(const_cast<char*>(e.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

}  // namespace svkit
