// SPDX-License-Identifier: MIT
// An svlogd config file (any bytes): parse_log_config with and without warnings gives the
// same settings; every rule starts with + - e E; every warning quotes part of the text;
// then the rules select lines (the file's own lines) without faulting.
#include <string>

#include "fuzz.hpp"
#include "svkit/log_config.hpp"
#include "svkit/log_pattern.hpp"

using namespace svkit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<ConfigWarning> warnings;
  LogConfig c = parse_log_config(text, &warnings);
  LogConfig quiet = parse_log_config(text);
  FUZZ_CHECK(c.size_max == quiet.size_max && c.keep_max == quiet.keep_max &&
             c.keep_min == quiet.keep_min && c.rotate_secs == quiet.rotate_secs &&
             c.processor == quiet.processor && c.prefix == quiet.prefix &&
             c.rules == quiet.rules && c.udp_addr == quiet.udp_addr &&
             c.udp_port == quiet.udp_port && c.udp_only == quiet.udp_only);
  for (const auto& r : c.rules) {
    FUZZ_CHECK(!r.empty() && (r[0] == '+' || r[0] == '-' || r[0] == 'e' || r[0] == 'E'));
    FUZZ_CHECK(r.find('\n') == std::string::npos);
  }
  FUZZ_CHECK(c.processor.find('\n') == std::string::npos);
  FUZZ_CHECK(c.prefix.find('\n') == std::string::npos);
  for (const auto& w : warnings) {
    FUZZ_CHECK(!w.what.empty());
    FUZZ_CHECK(text.find(w.arg) != std::string_view::npos);
  }
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    (void)log_select(c.rules, text.substr(pos, end - pos));
    pos = end + 1;
  }
  unsigned long v = 0;
  size_t n = scan_ulong(text, v);
  FUZZ_CHECK(n <= text.size());
  for (size_t i = 0; i < n; ++i) FUZZ_CHECK(text[i] >= '0' && text[i] <= '9');
  return 0;
}
