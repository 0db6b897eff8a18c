// SPDX-License-Identifier: MIT
// status_text: formatting status records for sv, svstat and svstat --json.
#include "svkit/status_text.hpp"

#include "svkit/digits.hpp"

namespace svkit {
uint64_t seconds_since(const Status& s, uint64_t now) noexcept {
  return now < s.when.sec ? 0 : now - s.when.sec;
}

std::string sv_status_line(const Status& s, std::string_view name, bool normally_up,
                           uint64_t now) {
  std::string out = state_word(s.state);
  out += ": ";
  out += name;
  out += ": ";
  // runit prints "(pid N) " for any state but down, even when the pid is 0.
  if (s.state != RunState::down) out += "(pid " + std::to_string(s.pid) + ") ";
  out += std::to_string(seconds_since(s, now));
  out += 's';
  bool up = s.pid != 0;
  if (up && !normally_up) out += ", normally down";
  if (!up && normally_up) out += ", normally up";
  if (up && s.paused) out += ", paused";
  if (!up && s.want == Want::up) out += ", want up";
  if (up && s.want == Want::down) out += ", want down";
  if (up && s.got_term) out += ", got TERM";
  return out;
}

std::string svstat_text(const Status& s, bool normally_up, uint64_t now) {
  std::string out;
  std::string secs = std::to_string(seconds_since(s, now)) + " seconds";
  bool up = s.pid != 0;
  if (up) {
    out = "up (pid " + std::to_string(s.pid) + ") " + secs;
    if (!normally_up) out += ", normally down";
  } else {
    out = "down " + secs;
    if (normally_up) out += ", normally up";
  }
  if (up && s.paused) out += ", paused";
  if (!up && s.want == Want::up) out += ", want up";
  if (up && s.want == Want::down) out += ", want down";
  return out;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHexDigits[c >> 4];
          out += kHexDigits[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string json_status_fields(const Status& s, uint64_t now) {
  const char* want = s.want == Want::up ? "\"up\"" : s.want == Want::down ? "\"down\"" : "null";
  std::string out = "\"supervised\":true,\"want\":";
  out += want;
  out += ",\"state\":\"";
  out += state_word(s.state);
  out += "\",\"pid\":";
  out += s.pid ? std::to_string(s.pid) : "null";
  out += ",\"seconds\":" + std::to_string(seconds_since(s, now));
  out += ",\"paused\":";
  out += s.pid && s.paused ? "true" : "false";
  out += ",\"got_term\":";
  out += s.got_term ? "true" : "false";
  return out;
}

}  // namespace svkit
