// SPDX-License-Identifier: MIT
// The pure parts of the clients: status lines (sv, svstat), JSON, sv's command table.
#include <catch2/catch.hpp>

#include "svkit/status_text.hpp"
#include "svkit/sv_command.hpp"

using svkit::RunState;
using svkit::Status;
using svkit::Want;

namespace {
constexpr uint64_t kNow = svkit::kTaiEpoch + 1000;

Status at(int64_t unix_sec, pid_t pid, RunState st, Want want = Want::up) {
  Status s;
  s.when = svkit::Tai64n::from_unix(unix_sec, 500);
  s.pid = pid;
  s.state = st;
  s.want = want;
  return s;
}
}  // namespace

TEST_CASE("sv status line for a running service", "[clients][sv][unit]") {
  Status s = at(997, 42, RunState::run);
  CHECK(svkit::sv_status_line(s, "web", true, kNow) == "run: web: (pid 42) 3s");
  CHECK(svkit::sv_status_line(s, "web", false, kNow) == "run: web: (pid 42) 3s, normally down");
  s.paused = true;
  s.want = Want::down;
  s.got_term = true;
  CHECK(svkit::sv_status_line(s, "./x", true, kNow) ==
        "run: ./x: (pid 42) 3s, paused, want down, got TERM");
}

TEST_CASE("sv status line for down and finish", "[clients][sv][unit]") {
  Status d = at(1000, 0, RunState::down);
  CHECK(svkit::sv_status_line(d, "web", true, kNow) == "down: web: 0s, normally up, want up");
  d.want = Want::down;
  d.paused = true;  // paused and got TERM are shown only with a pid
  d.got_term = true;
  CHECK(svkit::sv_status_line(d, "web", false, kNow) == "down: web: 0s");
  Status f = at(990, 7, RunState::finish, Want::down);
  CHECK(svkit::sv_status_line(f, "log", true, kNow) == "finish: log: (pid 7) 10s, want down");
}

TEST_CASE("seconds are clamped at zero when the record is in the future", "[clients][unit]") {
  Status s = at(2000, 1, RunState::run);
  CHECK(svkit::seconds_since(s, kNow) == 0);
  CHECK(svkit::sv_status_line(s, "a", true, kNow) == "run: a: (pid 1) 0s");
  CHECK(svkit::svstat_text(s, true, kNow) == "up (pid 1) 0 seconds");
}

TEST_CASE("svstat text follows daemontools", "[clients][svstat][unit]") {
  Status s = at(988, 42, RunState::run, Want::down);
  s.paused = true;
  CHECK(svkit::svstat_text(s, false, kNow) ==
        "up (pid 42) 12 seconds, normally down, paused, want down");
  Status d = at(999, 0, RunState::down);
  CHECK(svkit::svstat_text(d, true, kNow) == "down 1 seconds, normally up, want up");
  d.want = Want::none;  // daemontools after "o"
  CHECK(svkit::svstat_text(d, false, kNow) == "down 1 seconds");
  Status f = at(999, 9, RunState::finish);  // runit's finish has a pid: "up"
  CHECK(svkit::svstat_text(f, true, kNow) == "up (pid 9) 1 seconds");
}

TEST_CASE("JSON strings are escaped", "[clients][svstat][unit]") {
  CHECK(svkit::json_string("web") == "\"web\"");
  CHECK(svkit::json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(svkit::json_string("t\tn\nr\r") == "\"t\\tn\\nr\\r\"");
  CHECK(svkit::json_string(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
  CHECK(svkit::json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
}

TEST_CASE("JSON status fields", "[clients][svstat][unit]") {
  Status s = at(995, 42, RunState::run);
  CHECK(svkit::json_status_fields(s, kNow) ==
        "\"supervised\":true,\"want\":\"up\",\"state\":\"run\",\"pid\":42,\"seconds\":5,"
        "\"paused\":false,\"got_term\":false");
  Status d = at(1000, 0, RunState::down, Want::none);
  CHECK(svkit::json_status_fields(d, kNow) ==
        "\"supervised\":true,\"want\":null,\"state\":\"down\",\"pid\":null,\"seconds\":0,"
        "\"paused\":false,\"got_term\":false");
}

TEST_CASE("sv command words follow runit's table", "[clients][sv][unit]") {
  using K = svkit::SvCommand::Kind;
  struct Row {
    const char* word;
    const char* bytes;
    bool wait, kill;
  };
  for (Row r : {Row{"up", "u", false, false}, Row{"u", "u", false, false},
                Row{"down", "d", false, false}, Row{"once", "o", false, false},
                Row{"pause", "p", false, false}, Row{"cont", "c", false, false},
                Row{"hup", "h", false, false}, Row{"alarm", "a", false, false},
                Row{"interrupt", "i", false, false}, Row{"quit", "q", false, false},
                Row{"1", "1", false, false}, Row{"2", "2", false, false},
                Row{"term", "t", false, false}, Row{"kill", "k", false, false},
                Row{"exit", "x", false, false}, Row{"e", "x", false, false},
                Row{"start", "u", true, false}, Row{"stop", "d", true, false},
                Row{"restart", "tcu", true, false}, Row{"shutdown", "x", true, false},
                Row{"reload", "h", true, false}, Row{"try-restart", "tc", true, false},
                Row{"force-stop", "d", true, true}, Row{"force-reload", "tc", true, true},
                Row{"force-restart", "tcu", true, true}, Row{"force-shutdown", "x", true, true},
                Row{"X", "x", true, true}, Row{"D", "d", true, true}, Row{"T", "tc", true, true}}) {
    INFO(r.word);
    auto c = svkit::parse_sv_command(r.word, false);
    REQUIRE(c);
    CHECK(c->kind == K::control);
    CHECK(c->bytes == r.bytes);
    CHECK(c->wait == r.wait);
    CHECK(c->kill == r.kill);
  }
  CHECK(svkit::parse_sv_command("status", false)->kind == K::status);
  CHECK(svkit::parse_sv_command("sx", false)->kind == K::status);  // any s-word
  CHECK(svkit::parse_sv_command("check", false)->kind == K::check);
  CHECK(svkit::parse_sv_command("enable", false)->kind == K::enable);
  CHECK(svkit::parse_sv_command("disable", false)->kind == K::disable);
  for (const char* bad : {"", "bogus", "rx", "fx", "zap", "Up"}) {
    INFO(bad);
    CHECK_FALSE(svkit::parse_sv_command(bad, false));
  }
}

TEST_CASE("sv command words in LSB mode", "[clients][sv][unit]") {
  using K = svkit::SvCommand::Kind;
  CHECK(svkit::parse_sv_command("status", true)->kind == K::status);
  CHECK_FALSE(svkit::parse_sv_command("sx", true));
  CHECK(svkit::parse_sv_command("start", true)->bytes == "u");
  CHECK(svkit::parse_sv_command("enable", true)->bytes == "x");  // runit: "e..." is exit
  CHECK(svkit::parse_sv_command("disable", true)->bytes == "d");
}
