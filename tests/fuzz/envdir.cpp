// SPDX-License-Identifier: MIT
// envdir: a file's content (any bytes) becomes a value, then environment edits built from
// the input are applied to a small environment. Checks daemontools' rules: empty file
// removes; the value is the first line, no trailing blank, no NUL; apply never keeps a
// removed name and always ends with the values set.
#include <cstring>
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "svkit/env_edit.hpp"
#include "svkit/envdir.hpp"

using namespace svkit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view content(reinterpret_cast<const char*>(data), size);
  auto v = envdir_value(content);
  FUZZ_CHECK(v.has_value() == (size > 0));
  if (v) {
    FUZZ_CHECK(v->size() <= size);
    FUZZ_CHECK(v->find('\0') == std::string::npos);
    FUZZ_CHECK(v->empty() || (v->back() != ' ' && v->back() != '\t'));
    size_t nl = content.find('\n');
    std::string_view first = content.substr(0, nl);
    FUZZ_CHECK(v->size() <= first.size());
  }
  // Edits: the input split at NUL bytes; odd pieces unset, even pieces set NAME=v.
  std::vector<std::string> pieces;
  size_t pos = 0;
  while (pos <= size && pieces.size() < 16) {
    size_t end = content.find('\0', pos);
    if (end == std::string_view::npos) end = size;
    pieces.emplace_back(content.substr(pos, end - pos));
    pos = end + 1;
  }
  EnvEdit edits;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i % 2) {
      edits.unset(pieces[i]);
    } else {
      edits.set(pieces[i], v ? *v : std::string());
    }
  }
  std::string e1 = "PATH=/bin", e2 = "HOME=/", e3 = "A=1", e4 = "PATH=/usr/bin";
  char* env[] = {e1.data(), e2.data(), e3.data(), e4.data(), nullptr};
  std::vector<char*> out = edits.apply(env);
  FUZZ_CHECK(!out.empty() && out.back() == nullptr);
  for (size_t i = 0; i + 1 < out.size(); ++i) FUZZ_CHECK(out[i] != nullptr);
  FUZZ_CHECK(out.size() <= 5 + pieces.size());
  return 0;
}
