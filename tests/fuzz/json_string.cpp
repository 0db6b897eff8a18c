// SPDX-License-Identifier: MIT
// svstat --json's string escaping: any bytes give one quoted literal with no raw control
// character and no unescaped quote.
#include "fuzz.hpp"
#include "svkit/status_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string j = svkit::json_string(text);
  FUZZ_CHECK(j.size() >= 2 && j.front() == '"' && j.back() == '"');
  bool escaped = false;
  for (size_t i = 1; i + 1 < j.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(j[i]);
    FUZZ_CHECK(c >= 0x20);
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else {
      FUZZ_CHECK(c != '"');
    }
  }
  FUZZ_CHECK(!escaped);
  return 0;
}
