// SPDX-License-Identifier: MIT
// sv_command: runit's sv command words.
#include "svkit/sv_command.hpp"

namespace svkit {
namespace {
SvCommand make(std::string bytes, bool wait, bool kill = false) {
  SvCommand c;
  c.bytes = std::move(bytes);
  c.wait = wait;
  c.kill = kill;
  return c;
}
}  // namespace

std::optional<SvCommand> parse_sv_command(std::string_view w, bool lsb) {
  if (w.empty()) return std::nullopt;
  if (!lsb && (w == "enable" || w == "disable")) {
    SvCommand c;
    c.kind = w == "enable" ? SvCommand::Kind::enable : SvCommand::Kind::disable;
    return c;
  }
  switch (w[0]) {
    case 'x': case 'e': return make("x", false);
    case 'X': case 'E': return make("x", true, true);
    case 'D': return make("d", true, true);
    case 'T': return make("tc", true, true);
    case 't':
      if (w == "try-restart") return make("tc", true);
      [[fallthrough]];
    case 'c':
      if (w == "check") {
        SvCommand c = make("C", true);
        c.kind = SvCommand::Kind::check;
        return c;
      }
      [[fallthrough]];
    case 'u': case 'd': case 'o': case 'p': case 'h': case 'a': case 'i': case 'k': case 'q':
    case '1': case '2':
      return make(std::string(1, w[0]), false);
    case 's': {
      if (w == "shutdown") return make("x", true);
      if (w == "start") return make("u", true);
      if (w == "stop") return make("d", true);
      if (lsb && w != "status") return std::nullopt;
      SvCommand c;
      c.kind = SvCommand::Kind::status;
      return c;
    }
    case 'r':
      if (w == "restart") return make("tcu", true);
      if (w == "reload") return make("h", true);
      return std::nullopt;
    case 'f':
      if (w == "force-reload") return make("tc", true, true);
      if (w == "force-restart") return make("tcu", true, true);
      if (w == "force-shutdown") return make("x", true, true);
      if (w == "force-stop") return make("d", true, true);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace svkit
