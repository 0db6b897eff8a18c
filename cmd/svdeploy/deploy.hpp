// SPDX-License-Identifier: MIT
// svdeploy: releases side by side, an atomic switch with a health gate, "what runs where".
// Shared declarations of cmd/svdeploy/*.cpp. See man/svdeploy.8.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace svdeploy {

// Exit codes (svdeploy.8, EXIT STATUS).
inline constexpr int kExitRolledBack = 1;   // new version unhealthy; previous one runs again
inline constexpr int kExitUnhealthy = 2;    // unhealthy and nothing healthy to go back to
inline constexpr int kExitRefused = 100;    // usage, bad input, permission denied
inline constexpr int kExitTemporary = 111;  // system error, lock busy

// Every refusal or failure: main() prints "svdeploy: fatal: WHAT" and exits CODE.
struct Fatal : std::runtime_error {
  int code;
  Fatal(int c, const std::string& what) : std::runtime_error(what), code(c) {}
};
[[noreturn]] void fail(int code, const std::string& what);
[[noreturn]] void fail_sys(const std::string& what);  // "WHAT: strerror(errno)", 111
void say(const std::string& line);   // progress for people: stdout
void warn(const std::string& what);  // "svdeploy: warning: WHAT" on stderr
// Testing aid: SVDEPLOY_TEST_STOP=POINT stops the process (SIGSTOP) at POINT, so a test can
// kill -9 it there: install-copied, before-switch, after-switch, health-wait, rolling-back
// (the new version failed its gate), link-made (a symlink under its temporary name),
// plain-made (new --plain: the directory complete under its temporary name), purge-moved
// (purge: the store and runtime directories renamed out of sight, not yet removed).
void test_point(const char* point);

struct Roots {
  std::string store;     // releases: STORE/NAME/VERSION
  std::string runtime;   // per-instance runtime dirs: RUNTIME/NAME
  std::string scandir;   // where services are linked
  std::string services;  // new --plain: plain service directories SERVICES/NAME
  std::string templates; // service-templates
  std::string config;    // svdeploy.conf
  std::string bindir;    // svkit tools next to svdeploy (envdir in the run wrapper)
  std::string deploy_group;  // from the configuration ("" = none)
  std::string owner;         // install --user: the account owning the runtime directory
  uint64_t max_file_size = 1ULL << 30;
  double settle = 2.0;   // seconds up (and ready) before an activation counts as healthy
  double wait = 30.0;    // -w: health deadline, and the longest wait for the lock
};

struct State {
  std::string active, previous, activated_at, activated_by;
};

// names.cpp-ish helpers (store.cpp)
void check_name(const std::string& what, const std::string& s, bool allow_at);
std::string user_name();
std::string now_iso();
double now_mono();
std::string read_text(const std::string& path, bool* found = nullptr);
// Temporary file + rename; with SYNC (default) the file and its directory are fsynced.
void write_atomic(const std::string& path, const std::string& content, int mode = 0644,
                  bool sync = true);
bool path_exists(const std::string& p);  // lstat

// One service's place in the store: STORE/NAME/{VERSION..., current, .state, .lock,
// .history, .intent, .versions, owner, deploy-group, service/}. A plain service (new
// --plain) is SERVICES/NAME itself: {run, log/run, ... (generated), current -> VERSION,
// VERSION/ (the rendered template), owner}; there is no store, state or journal.
struct Service {
  const Roots* roots;
  std::string name;          // NAME or NAME@INSTANCE
  std::string dir;           // STORE/NAME, or SERVICES/NAME when plain
  bool plain = false;
  std::string service_dir() const { return plain ? dir : dir + "/service"; }
  // STORE/NAME/current -> VERSION: what the deploy group switches (service/current is a
  // fixed link to it, so the service directory itself stays root's).
  std::string current_link() const { return dir + "/current"; }
  std::string runtime_dir() const { return roots->runtime + "/" + name; }
  std::string scan_link() const { return roots->scandir + "/" + name; }
  std::string release(const std::string& v) const { return dir + "/" + v; }
};
Service service(const Roots& r, const std::string& name);

// STORE/NAME/FILE (owner, deploy-group) without its trailing newline, "" when missing;
// refused unless the file belongs to the owner of STORE/NAME (root): the deploy group may
// write in that directory, not choose the account or the group.
std::string trusted_text(const Service& s, const std::string& file);
State read_state(const Service& s);
void write_state(const Service& s, const State& st);
void journal(const Service& s, const std::string& action, const std::string& from,
             const std::string& to, const std::string& result);
std::vector<std::string> versions(const Service& s);  // sorted by install time
// Takes the per-NAME lock, waiting up to roots.wait seconds. Returns the fd (kept open).
int lock_service(const Service& s, bool create);
// Under the lock: finishes or undoes what a killed svdeploy left (intent, temporaries).
void repair(const Service& s);
// Store-wide lock STORE/.lock: whoever keeps a temporary at the store's top level (new,
// purge) or in SERVICES holds it shared while the temporary exists; clean_roots() takes it
// exclusively (never waiting) and then removes what a killed svdeploy left there.
int hold_roots_shared(const Roots& r);
void clean_roots(const Roots& r);

// install (store.cpp)
void install(const Service& s, const std::string& version, const std::string& source,
             bool quiet = false);
void make_runtime_dir(const Service& s);
void remove_version(const Service& s, const std::string& version);
void prune(const Service& s, int keep);
void purge(const Service& s);

// activate.cpp
int activate(const Service& s, std::string version, const std::string& action);
int rollback(const Service& s);
void switch_current(const Service& s, const std::string& version);
// Rewrites the service directory's generated files for the active version (root: after
// the account or the deploy group changed).
void refresh_service_dir(const Service& s);
void restart_to(const Service& s, const std::string& version, double wait);
void start_service(const Service& s);
// new --plain: TMP (Service with plain set, dir a temporary under SERVICES) holds the
// rendered template as TMP.dir/VERSION; adds the generated files, renames it to S.dir
// (never over an existing one), links it into the scan directory, waits for health.
int plain_service(const Service& s, const Service& tmp, const std::string& version);
void stop_service(const Service& s);

// Health of a supervised service as svdeploy sees it (activate.cpp).
struct Health {
  bool supervised = false;
  bool up = false;
  pid_t pid = 0;
  double since = 0;         // seconds in this state
  std::string phase;        // svkit-status phase, or up/down from status
  std::string ready = "-";  // 1, 0, - (no readiness or no svkit-status)
  long restarts = -1;       // from svkit-status, -1 unknown
  bool want_up = true;
};
Health read_health(const std::string& service_dir);

// report.cpp
int status_cmd(const Roots& r, const std::vector<std::string>& names, bool json);
int list_cmd(const Service& s, bool json);
int history_cmd(const Service& s, bool json);

// template.cpp
struct Vars {
  std::map<std::string, std::string> values;
};
// Renders TEMPLATE_DIR into OUT_DIR (which must not exist); throws Fatal naming file,
// line and variable before anything is written.
void render_template(const std::string& template_dir, const Vars& vars,
                     const std::string& out_dir);
void read_vars_file(const std::string& path, Vars& vars);

}  // namespace svdeploy
