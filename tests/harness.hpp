// SPDX-License-Identifier: MIT
// harness: real processes in temp directories for the end-to-end tests. Nothing here
// sleeps for a fixed time: eventually() polls a condition until a deadline.
#pragma once
#include <sys/types.h>

#include <boost/filesystem.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace svkit::test {

namespace fs = boost::filesystem;
using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

// Path of a tool built by this tree (SVKIT_BIN_DIR/NAME).
std::string bin(const std::string& name);
// True when a binary (e.g. "/usr/bin/sv") exists and is executable.
bool have(const std::string& path);
bool is_root();

// Anchors: what a test needs from outside this tree (runit's, daemontools' or s6's
// binaries, a system tool such as setpriv, or root). A test never passes by skipping:
// require(AVAILABLE, WHAT) returns AVAILABLE; when it is false, under CI (env CI set, and
// not "false" or "0") the running test FAILS with a message naming WHAT; elsewhere a
// visible warning is printed (Catch WARN) and the test binary exits 77 when it
// would have passed, which ctest shows as "Skipped". The caller then returns, or drops only
// the part that needs WHAT. REQUIRE_ANCHOR / REQUIRE_ROOT do the return.
bool under_ci();
bool require(bool available, const std::string& what);
bool require_anchor(const std::string& path);  // require(have(path), path + its package)
bool require_root();                           // require(is_root(), "root")
// How many requirements were missing in this run (tests/catch_main.cpp maps a passing run
// with any to exit code kSkippedExitCode).
int missing_requirements();
constexpr int kSkippedExitCode = 77;
#define REQUIRE_ANCHOR(path)                                \
  do {                                                      \
    if (!::svkit::test::require_anchor(path)) return;       \
  } while (0)
#define REQUIRE_ROOT()                                      \
  do {                                                      \
    if (!::svkit::test::require_root()) return;             \
  } while (0)

// A fresh directory under $TMPDIR. On destruction every process whose cwd or executable
// lies below it is SIGKILLed (services started by a supervise under test), then it is removed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& rel) const { return path_ / rel; }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

// Kills every process whose cwd is below DIR; waits (bounded) until none is left.
void kill_processes_under(const fs::path& dir);
// Pids of live processes whose cwd or executable lies below DIR (Linux /proc).
std::vector<pid_t> processes_under(const fs::path& dir);
// CPU time (user + system, clock ticks) PID has used: fields 14 and 15 of /proc/PID/stat.
unsigned long long cpu_ticks(pid_t pid);

void write_file(const fs::path& p, const std::string& content, int mode = 0644);
std::string read_file(const fs::path& p);  // "" when missing
bool exists(const fs::path& p);            // lstat-based: a dangling symlink exists
void make_dirs(const fs::path& p);
// Writes an executable script "#!/bin/sh\n" + BODY at P (mode 0755).
void write_script(const fs::path& p, const std::string& body);

struct RunOptions {
  std::string input;                            // stdin contents
  std::map<std::string, std::string> env;       // added to (or, with "" value, kept as
                                                // empty in) the inherited environment
  std::vector<std::string> unset_env;           // removed from the environment
  std::string cwd;                              // "" = current
  Millis timeout = 20s;                         // then SIGKILL; code becomes -1
  std::string argv0;                            // "" = the program path
};

struct Result {
  int code = -1;          // exit code; 128 + signal when killed; -1 on timeout
  std::string out, err;
};

// Runs PROGRAM (a path; bare names are looked up with bin()) to completion.
Result run(const std::string& program, const std::vector<std::string>& args,
           const RunOptions& opt = {});
// /bin/sh -c SCRIPT.
Result sh(const std::string& script, const RunOptions& opt = {});

// A long-running process under test (a daemon). Its stdout/stderr go to files that
// out()/err() read at any time. The destructor sends SIGTERM, waits up to 2 s, then
// SIGKILLs it (and its process group when started with own_group).
class Tool {
 public:
  Tool(const std::string& program, const std::vector<std::string>& args,
       const RunOptions& opt = {}, bool own_group = true);
  ~Tool();
  Tool(const Tool&) = delete;
  Tool& operator=(const Tool&) = delete;

  pid_t pid() const { return pid_; }
  bool running();                       // false once it has exited (and been reaped)
  void signal(int sig);
  // Exit code (128 + signal when killed) or nullopt when it did not exit in time.
  std::optional<int> wait_exit(Millis timeout);
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  bool own_group_;
  std::optional<int> code_;
  TempDir files_;  // before out_/err_: they are initialised from it
  fs::path out_, err_;
};

// Polls PRED every STEP until it is true (returns true) or TIMEOUT passed (false).
bool eventually(Millis timeout, const std::function<bool()>& pred, Millis step = 2ms);

// Count of '\n' in a string; lines of a string.
size_t count_lines(const std::string& s);
std::vector<std::string> split_lines(const std::string& s);

// Pid of a live process whose /proc/PID/cmdline starts with ARGV0 and whose cwd is DIR;
// 0 when none. Linux only.
pid_t find_process(const std::string& argv0_suffix, const fs::path& cwd);
bool process_alive(pid_t pid);  // true while the pid exists and is not a zombie
// /proc/PID/comm without the newline ("" when gone). A run script that sets a trap and
// then execs sleep has its trap in place once comm_of(pid) == "sleep".
std::string comm_of(pid_t pid);

// The raw value of KEY in a one-line JSON object ("<missing>" when absent): a number, null,
// a string with its quotes, or a nested object or array whole.
std::string json_field(const std::string& json, const std::string& key);

}  // namespace svkit::test
