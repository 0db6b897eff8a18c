// SPDX-License-Identifier: MIT
// supervise_fixture: a service directory in a temp dir and small readers of its
// supervise/ files, shared by the supervise e2e and interop tests.
#pragma once
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "harness.hpp"
#include "svkit/fifo.hpp"
#include "svkit/status_file.hpp"

namespace svkit::test::sup {

struct ServiceDir {
  TempDir tmp;
  fs::path dir = tmp / "svc";
  ServiceDir() { make_dirs(dir); }
  std::string str() const { return dir.string(); }
  fs::path operator/(const std::string& rel) const { return dir / rel; }
};

inline std::optional<Status> status_of(const fs::path& d) { return read_status(d.string()); }
inline std::string stat_of(const fs::path& d) { return read_file(d / "supervise/stat"); }
inline pid_t pid_of(const fs::path& d) {
  auto s = status_of(d);
  return s ? s->pid : 0;
}
inline bool supervised(const fs::path& d) { return probe_supervisor(d.string()) == Probe::yes; }
inline bool control(const fs::path& d, const std::string& bytes) {
  return send_control(d.string(), bytes) == SendResult::sent;
}
// Waits until supervise/stat reads exactly LINE (without the newline) and status agrees
// with it (stat is replaced just after status).
inline bool stat_becomes(const fs::path& d, const std::string& line, Millis t = 5s) {
  return eventually(t, [&] {
    if (stat_of(d) != line + "\n") return false;
    auto s = status_of(d);
    if (!s) return false;
    const char* word = s->state == RunState::run ? "run" : s->state == RunState::finish ? "finish" : "down";
    return line.compare(0, line.find(','), word) == 0 &&
           s->got_term == (line.find("got TERM") != std::string::npos) &&
           s->paused == (line.find("paused") != std::string::npos);
  });
}
// Waits until the service runs with a pid different from OLD.
inline pid_t wait_running(const fs::path& d, pid_t old = 0, Millis t = 5s) {
  pid_t pid = 0;
  eventually(t, [&] {
    auto s = status_of(d);
    pid = s && s->state == RunState::run ? s->pid : 0;
    return pid != 0 && pid != old;
  });
  return pid != old ? pid : 0;
}
inline size_t lines_in(const fs::path& p) { return count_lines(read_file(p)); }

// A ./run that ignores TERM (sh's trap '' survives the exec into sleep).
inline void write_term_ignoring_run(const ServiceDir& s) {
  write_script(s / "run", "trap '' TERM\nexec sleep 5\n");
}
// Its pid once it runs with the trap in place (it has become sleep); 0 if it never did.
inline pid_t wait_term_ignoring(const ServiceDir& s) {
  pid_t pid = wait_running(s.dir);
  return pid && eventually(5s, [&] { return comm_of(pid) == "sleep"; }) ? pid : 0;
}

}  // namespace svkit::test::sup
