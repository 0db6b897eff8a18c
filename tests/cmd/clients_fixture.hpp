// SPDX-License-Identifier: MIT
// clients_fixture: one supervised service in a temp directory, for the tests of sv, svstat,
// svok and svc. The supervisor is runit's runsv or svkit's supervise (same protocol); tests
// run against each one that is installed/built (CLIENTS_SUPERVISOR picks it).
#pragma once
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"
#include "svkit/status_file.hpp"

namespace clients {
using namespace svkit::test;

// Which supervisor drives the service: a GENERATE over both; an absent one fails under CI
// and warns elsewhere (harness require()).
#define CLIENTS_SUPERVISOR()                                                                  \
  const std::string supervisor = GENERATE(as<std::string>{}, clients::runit("runsv"),        \
                                          std::string(SVKIT_BIN_DIR) + "/supervise");        \
  if (!svkit::test::require_anchor(supervisor)) return;                                      \
  INFO("supervisor " << supervisor)

// An anchor (runit, daemontools binary) or root a NEW test needs: the harness's require()
// (fails under CI, warns elsewhere); the caller returns when false.
inline bool need(const std::string& anchor) { return svkit::test::require_anchor(anchor); }
inline bool need_root() { return svkit::test::require_root(); }

// runit's daemons live in /usr/sbin on Debian, in /usr/bin or /sbin elsewhere.
inline std::string runit(const std::string& name) {
  for (const char* d : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"})
    if (have(d + name)) return d + name;
  return "/usr/sbin/" + name;
}

inline std::optional<svkit::Status> status_of(const fs::path& dir) {
  return svkit::read_status(dir.string());
}
inline bool is_up(const fs::path& dir) {
  auto s = status_of(dir);
  return s && s->pid && s->state == svkit::RunState::run;
}
inline bool is_down(const fs::path& dir) {
  auto s = status_of(dir);
  return s && !s->pid && s->state == svkit::RunState::down;
}
inline pid_t pid_of(const fs::path& dir) {
  auto s = status_of(dir);
  return s ? s->pid : 0;
}
// Replace "17s" and "17 seconds" by "Ns" / "N seconds": the clock moves between two tools.
inline std::string normalize(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    bool after_space = i > 0 && text[i - 1] == ' ';
    if (j > i && after_space && (text.compare(j, 1, "s") == 0 || text.compare(j, 8, " seconds") == 0)) {
      out += 'N';
      i = j;
    } else if (j > i) {
      out.append(text, i, j - i);
      i = j;
    } else {
      out += text[i++];
    }
  }
  return out;
}

// Runs one of our tools as nobody/nogroup with no supplementary groups (needs root).
inline Result run_as_nobody(const std::string& tool, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--reuid=65534", "--regid=65534", "--clear-groups", bin(tool)};
  all.insert(all.end(), args.begin(), args.end());
  return run("/usr/bin/setpriv", all);
}

struct Rig {
  TempDir tmp;
  std::string name = "web";
  fs::path dir;
  RunOptions opt;  // SVDIR = the temp dir, so "sv status web" works
  std::unique_ptr<Tool> sup;
  std::string body_;

  // A service whose run script is "#!/bin/sh\n" + BODY; with LOG a log/run that discards.
  explicit Rig(const std::string& body = "exec sleep 60\n", bool log = false, bool down = false)
      : dir(tmp / "web"), body_(body) {
    make_dirs(dir);
    write_script(dir / "run", body);
    if (down) write_file(dir / "down", "");
    if (log) {
      make_dirs(dir / "log");
      write_script(dir / "log/run", "exec cat >/dev/null\n");
    }
    opt.env["SVDIR"] = tmp.str();
  }

  // Starts SUPERVISOR on the service; waits until it answers (and the service runs, unless
  // it has a down file).
  bool start(const std::string& supervisor) {
    sup = std::make_unique<Tool>(supervisor, std::vector<std::string>{dir.string()});
    bool down = svkit::test::exists(dir / "down");
    return eventually(10s, [&] {
      if (run("svok", {dir.string()}).code != 0) return false;
      if (svkit::test::exists(dir / "log") && run("svok", {(dir / "log").string()}).code != 0) return false;
      if (down) return status_of(dir).has_value();
      // A body that sets a trap and execs sleep is ready once the exec happened.
      return is_up(dir) && (body_.find("exec sleep") == std::string::npos ||
                            comm_of(status_of(dir)->pid) == "sleep");
    });
  }

  // The tree readable by others, supervise/ only by its owner (root): what a non-root
  // user meets on a service it may not control.
  void lock_supervise() const {
    ::chmod(tmp.str().c_str(), 0755);
    ::chmod(dir.c_str(), 0755);
    ::chmod((dir / "supervise").c_str(), 0700);
  }

  Result sv(const std::vector<std::string>& args) const { return run("sv", args, opt); }
  Result tool(const std::string& prog, const std::vector<std::string>& args) const {
    return run(prog, args, opt);
  }
};

}  // namespace clients
