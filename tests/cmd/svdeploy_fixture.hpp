// SPDX-License-Identifier: MIT
// svdeploy_fixture: a scratch root (release store, runtime dirs, scan dir) with a real
// svscan watching the scan dir, and helpers to write releases and run svdeploy in it.
#pragma once
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness.hpp"
#include "svkit/status_file.hpp"

namespace deploytest {
using namespace svkit::test;

inline std::string path_with_bin() {
  const char* p = std::getenv("PATH");
  return std::string(SVKIT_BIN_DIR) + ":" + (p ? p : "/usr/bin:/bin");
}

// Root is needed (accounts, groups, mounts): false after a visible warning, and a failure
// under CI, where the suite runs as root.
inline bool need_root(const char* what) {
  if (is_root()) return true;
  const char* ci = std::getenv("CI");
  if (ci && std::string(ci) == "true") FAIL(what << " needs root");
  WARN(what << " needs root: not tested");
  return false;
}

struct Scratch {
  TempDir tmp;
  fs::path store = tmp / "store", rt = tmp / "run", scan = tmp / "service", src = tmp / "src",
           sv = tmp / "sv";  // new --plain
  double settle = 0.3;
  std::unique_ptr<Tool> svscan;

  explicit Scratch(bool start_svscan = true) {
    ::chmod(tmp.path().c_str(), 0755);
    make_dirs(scan);
    make_dirs(src);
    if (start_svscan) {
      RunOptions o;
      o.env["PATH"] = path_with_bin();
      svscan = std::make_unique<Tool>(bin("svscan"), std::vector<std::string>{scan.string()}, o);
    }
  }

  // The tree stops the way an administrator stops it (HUP: every service down, then
  // svscan exits), before the directories go: a TERM would leave the services running.
  ~Scratch() { stop(); }
  void stop() {
    if (!svscan) return;
    if (svscan->running()) {
      svscan->signal(SIGHUP);
      svscan->wait_exit(15s);
    }
    svscan.reset();
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  RunOptions opts(std::map<std::string, std::string> extra = {}) const {
    RunOptions o;
    o.env["SVDEPLOY_STORE"] = store.string();
    o.env["SVDEPLOY_RUNTIME"] = rt.string();
    o.env["SVDEPLOY_SCANDIR"] = scan.string();
    o.env["SVDEPLOY_SERVICES"] = sv.string();
    o.env["SVDEPLOY_TEMPLATES"] = std::string(SVKIT_SOURCE_DIR) + "/service-templates";
    o.env["SVDEPLOY_CONFIG"] = (tmp / "svdeploy.conf").string();
    o.env["SVDEPLOY_SETTLE"] = std::to_string(settle);
    o.env["PATH"] = path_with_bin();
    o.timeout = 60s;
    for (auto& [k, v] : extra) o.env[k] = v;
    return o;
  }

  Result deploy(const std::vector<std::string>& args, std::map<std::string, std::string> extra = {}) const {
    auto r = run(bin("svdeploy"), args, opts(extra));
    UNSCOPED_INFO("svdeploy " << args.at(0) << " -> " << r.code << "\nout: " << r.out << "\nerr: " << r.err);
    return r;
  }

  // A release directory src/NAME whose ./run runs BODY (a sh script); with a logger
  // (svlogd into the runtime directory's log/) when LOG.
  fs::path release(const std::string& name, const std::string& body, bool log = false) const {
    auto d = src / name;
    make_dirs(d);
    write_script(d / "run", "exec 2>&1\n" + body);
    if (log) {
      make_dirs(d / "log");
      write_script(d / "log/run", "exec svlogd -tt \"$SVKIT_RUNTIME_DIR/log\"\n");
    }
    return d;
  }

  fs::path service_dir(const std::string& name) const { return store / name / "service"; }
  std::string state(const std::string& name) const { return read_file(store / name / ".state"); }
  std::string active(const std::string& name) const {
    auto s = state(name);
    auto a = s.find("active ");
    if (a == std::string::npos) return "";
    return s.substr(a + 7, s.find('\n', a) - a - 7);
  }
  std::string history(const std::string& name) const { return read_file(store / name / ".history"); }
  std::optional<svkit::Status> status(const std::string& name) const {
    return svkit::read_status(service_dir(name).string());
  }
  pid_t pid(const std::string& name) const {
    auto s = status(name);
    return s && s->state == svkit::RunState::run ? s->pid : 0;
  }
  // The version the running process reports (its run writes $SVKIT_VERSION to a file).
  std::string running_version(const std::string& name) const {
    return read_file(rt / name / "data" / "version");
  }
};

// A run body that records its version and stays up (bounded).
inline std::string steady() {
  return "printf %s \"$SVKIT_VERSION\" > \"$SVKIT_RUNTIME_DIR/data/version\"\nexec sleep 60\n";
}

}  // namespace deploytest
