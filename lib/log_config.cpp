// SPDX-License-Identifier: MIT
// log_config: line-by-line reading of an svlogd config; unknown lines are ignored.
#include "svkit/log_config.hpp"

#include <arpa/inet.h>

namespace svkit {
namespace {

std::string_view rest(std::string_view line) { return line.substr(1); }

// Four dotted decimal numbers, each reduced to a byte (as runit's ip4_scan).
size_t scan_ip4(std::string_view s, uint32_t& addr) {
  unsigned char ip[4];
  size_t pos = 0;
  for (int k = 0; k < 4; ++k) {
    if (k > 0) {
      if (pos >= s.size() || s[pos] != '.') return 0;
      ++pos;
    }
    unsigned long u;
    size_t n = scan_ulong(s.substr(pos), u);
    if (n == 0) return 0;
    ip[k] = static_cast<unsigned char>(u);
    pos += n;
  }
  addr = htonl((uint32_t{ip[0]} << 24) | (uint32_t{ip[1]} << 16) | (uint32_t{ip[2]} << 8) | ip[3]);
  return pos;
}

unsigned long with_unit(std::string_view arg, unsigned long k, unsigned long m, char ck, char cm) {
  unsigned long v;
  size_t n = scan_ulong(arg, v);
  char unit = n < arg.size() ? arg[n] : '\0';
  if (unit == cm) v *= m;
  if (unit == ck || unit == cm) v *= k;  // runit's switch falls through from the bigger unit
  return v;
}

void parse_udp(LogConfig& c, std::string_view arg, std::vector<ConfigWarning>* warnings) {
  uint32_t addr;
  size_t n = scan_ip4(arg, addr);
  if (n == 0) {
    if (warnings) warnings->push_back({"unable to scan ip address", std::string(arg)});
    return;
  }
  c.udp_addr = addr;
  unsigned long port = 514;
  if (n < arg.size() && arg[n] == ':') {
    scan_ulong(arg.substr(n + 1), port);
    if (port == 0) {
      if (warnings) warnings->push_back({"unable to scan port number", std::string(arg.substr(n + 1))});
      return;
    }
  }
  c.udp_port = static_cast<uint16_t>(port);
}

void parse_line(LogConfig& c, std::string_view line, std::vector<ConfigWarning>* warnings) {
  if (line.empty()) return;
  switch (line[0]) {
    case '+': case '-': case 'e': case 'E':
      c.rules.emplace_back(line);
      break;
    case 's': c.size_max = with_unit(rest(line), 1024, 1024, 'k', 'm'); break;
    case 'n': scan_ulong(rest(line), c.keep_max); break;
    case 'N': scan_ulong(rest(line), c.keep_min); break;
    case 't': c.rotate_secs = with_unit(rest(line), 60, 60, 'm', 'h'); break;
    case '!': if (line.size() > 1) c.processor = std::string(rest(line)); break;
    case 'p': if (line.size() > 1) c.prefix = std::string(rest(line)); break;
    case 'U': c.udp_only = true; parse_udp(c, rest(line), warnings); break;
    case 'u': parse_udp(c, rest(line), warnings); break;
    default: break;  // '#' comments and anything unknown
  }
}

}  // namespace

size_t scan_ulong(std::string_view s, unsigned long& out) noexcept {
  size_t pos = 0;
  unsigned long v = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') v = v * 10 + (s[pos++] - '0');
  out = v;
  return pos;
}

LogConfig parse_log_config(std::string_view text, std::vector<ConfigWarning>* warnings) {
  LogConfig c;
  // As runit: a line starts wherever the previous one ended; a one-byte tail is ignored.
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    size_t end = text.find('\n', i);
    if (end == std::string_view::npos) end = text.size();
    parse_line(c, text.substr(i, end - i), warnings);
    i = end;
  }
  return c;
}

}  // namespace svkit
