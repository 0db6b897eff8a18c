// SPDX-License-Identifier: MIT
// harness: temp dirs, tool runs through Boost.Process, deadline-bounded waits, cleanup.
#include "harness.hpp"

#include "svkit/spawn.hpp"
#include "svkit/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>


namespace svkit::test {

std::string bin(const std::string& name) { return std::string(SVKIT_BIN_DIR) + "/" + name; }

bool have(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }
bool is_root() { return ::geteuid() == 0; }

bool under_ci() {
  const char* ci = std::getenv("CI");
  if (!ci || !*ci) return false;
  std::string v(ci);
  return v != "0" && v != "false" && v != "FALSE" && v != "False";
}

static int missing_count = 0;
int missing_requirements() { return missing_count; }

bool require(bool available, const std::string& what) {
  if (available) return true;
  ++missing_count;
  if (under_ci())
    FAIL_CHECK("missing anchor: " << what << " (CI is set: a test never passes by skipping)");
  else
    WARN("missing anchor: " << what << ": part of this test did not run (a failure under CI=true)");
  return false;
}

// The package that provides an anchor, for the message.
static std::string package_of(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  if (name.compare(0, 3, "s6-") == 0) return "s6";
  for (const char* r : {"runsv", "runsvdir", "sv", "svlogd", "chpst", "utmpset", "runsvchdir"})
    if (name == r) return "runit";
  for (const char* d : {"svc", "svstat", "svok", "supervise", "svscan", "multilog",
                        "setuidgid", "softlimit", "envdir", "envuidgid", "fghack", "pgrphack",
                        "tai64n", "tai64nlocal", "readproctitle", "setlock", "svscanboot"})
    if (name == d) return "daemontools";
  for (const char* u : {"setpriv", "prlimit", "unshare", "nsenter", "mount"})
    if (name == u) return "util-linux";
  return "";
}

bool require_anchor(const std::string& path) {
  std::string pkg = package_of(path);
  return require(have(path), path + (pkg.empty() ? "" : " (" + pkg + ")"));
}

bool require_root() { return require(is_root(), "root (the test must run as uid 0)"); }

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/svkit-test.XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = fs::canonical(tmpl);
}

TempDir::~TempDir() {
  kill_processes_under(path_);
  boost::system::error_code ec;
  fs::remove_all(path_, ec);
}

static bool below(const std::string& p, const std::string& dir) {
  return p == dir || (p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 &&
                      p[dir.size()] == '/');
}

static std::vector<pid_t> pids_under(const std::string& dir) {
  std::vector<pid_t> found;
  DIR* d = ::opendir("/proc");
  if (!d) return found;
  while (dirent* e = ::readdir(d)) {
    char* end;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end || pid <= 1 || pid == ::getpid()) continue;
    for (const char* link : {"cwd", "exe"}) {
      char buf[4096];
      std::string proc = "/proc/" + std::string(e->d_name) + "/" + link;
      ssize_t n = ::readlink(proc.c_str(), buf, sizeof buf - 1);
      if (n <= 0) continue;
      std::string target(buf, static_cast<size_t>(n));
      if (below(target, dir) || below(target, dir + " (deleted)")) {
        found.push_back(static_cast<pid_t>(pid));
        break;
      }
    }
  }
  ::closedir(d);
  return found;
}

std::vector<pid_t> processes_under(const fs::path& dir) {
  std::vector<pid_t> live;
  for (pid_t p : pids_under(dir.string()))
    if (process_alive(p)) live.push_back(p);
  return live;
}

unsigned long long cpu_ticks(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return utime + stime;
}

void kill_processes_under(const fs::path& dir) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    auto pids = pids_under(dir.string());
    if (pids.empty() || std::chrono::steady_clock::now() > deadline) return;
    for (pid_t p : pids) ::kill(p, SIGKILL);
    for (pid_t p : pids) ::waitpid(p, nullptr, WNOHANG);  // ours, if it was a direct child
    std::this_thread::sleep_for(5ms);
  }
}

void write_file(const fs::path& p, const std::string& content, int mode) {
  std::string tmp = p.string() + ".harness-tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write " + p.string());
    f << content;
  }
  ::chmod(tmp.c_str(), static_cast<mode_t>(mode));
  if (::rename(tmp.c_str(), p.c_str()) != 0) {
    // p may be a FIFO (e.g. supervise/control): write into it instead of replacing it.
    ::unlink(tmp.c_str());
    int fd = ::open(p.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot write " + p.string());
    (void)!::write(fd, content.data(), content.size());
    ::close(fd);
  }
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p.string(), std::ios::binary);
  if (!f) return "";
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool exists(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

void make_dirs(const fs::path& p) { fs::create_directories(p); }

void write_script(const fs::path& p, const std::string& body) {
  write_file(p, "#!/bin/sh\n" + body, 0755);
}

static std::string resolve(const std::string& program) {
  return program.find('/') == std::string::npos ? bin(program) : program;
}

// The child's environment: ours, less UNSET_ENV, plus ENV. Built by hand: Boost.Process
// 1.74's environment lookup reads past entries shorter than the key (ASan reports it).
static std::vector<std::string> make_env(const RunOptions& opt) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    bool drop = opt.env.count(name) != 0;
    for (const auto& u : opt.unset_env) drop = drop || u == name;
    if (!drop) out.push_back(std::move(entry));
  }
  for (const auto& [k, v] : opt.env) out.push_back(k + "=" + v);
  return out;
}

// Starts PROGRAM with stdio from/to the files, in opt.cwd, through svkit::spawn (a clean
// signal state; its own session when OWN_GROUP). Throws when it cannot be started.
static pid_t start(const std::string& program, const std::vector<std::string>& args,
                   const RunOptions& opt, const fs::path& in, const fs::path& out,
                   const fs::path& err, bool own_group) {
  std::string path = resolve(program);
  std::string cwd = opt.cwd.empty() ? fs::current_path().string() : opt.cwd;
  std::vector<std::string> env = make_env(opt);
  std::vector<char*> argv{const_cast<char*>(path.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  UniqueFd fin(::open(in.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
  UniqueFd fout(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  UniqueFd ferr(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fin || !fout || !ferr)
    throw std::runtime_error("cannot open the stdio files of " + program);
  FdMove moves[] = {{fin.get(), 0}, {fout.get(), 1}, {ferr.get(), 2}};
  SpawnSpec spec;
  spec.path = path.c_str();
  spec.argv = argv.data();
  spec.envp = envp.data();
  spec.cwd = cwd.c_str();
  spec.moves = moves;
  spec.n_moves = 3;
  spec.new_session = own_group;
  pid_t pid = spawn(spec);
  if (pid < 0) throw std::runtime_error("cannot start " + program + ": " + std::strerror(errno));
  return pid;
}

static std::optional<int> wait_pid(pid_t pid, Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(1ms);
  }
}

Result run(const std::string& program, const std::vector<std::string>& args,
           const RunOptions& opt) {
  TempDir io;
  write_file(io / "in", opt.input);
  pid_t pid = start(program, args, opt, io / "in", io / "out", io / "err", false);
  Result r;
  auto code = wait_pid(pid, opt.timeout);
  if (!code) {
    ::kill(pid, SIGKILL);
    wait_pid(pid, 5s);
  }
  r.code = code ? *code : -1;
  r.out = read_file(io / "out");
  r.err = read_file(io / "err");
  return r;
}

Result sh(const std::string& script, const RunOptions& opt) {
  return run("/bin/sh", {"-c", script}, opt);
}

Tool::Tool(const std::string& program, const std::vector<std::string>& args,
           const RunOptions& opt, bool own_group)
    : own_group_(own_group), out_(files_ / "out"), err_(files_ / "err") {
  write_file(files_ / "in", opt.input);
  pid_ = start(program, args, opt, files_ / "in", out_, err_, own_group);
}

Tool::~Tool() {
  if (running()) {
    ::kill(pid_, SIGTERM);
    if (!wait_exit(2s)) {
      ::kill(pid_, SIGKILL);
      wait_exit(5s);
    }
  }
  if (own_group_) ::kill(-pid_, SIGKILL);
}

bool Tool::running() {
  if (code_) return false;
  return !wait_exit(0ms).has_value();
}

void Tool::signal(int sig) {
  if (!code_) ::kill(pid_, sig);
}

std::optional<int> Tool::wait_exit(Millis timeout) {
  if (!code_) code_ = wait_pid(pid_, timeout);
  return code_;
}

std::string Tool::out() const { return read_file(out_); }
std::string Tool::err() const { return read_file(err_); }

bool eventually(Millis timeout, const std::function<bool()>& pred, Millis step) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(step);
  }
}

size_t count_lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : s) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

pid_t find_process(const std::string& argv0_suffix, const fs::path& cwd) {
  for (pid_t pid : pids_under(cwd.string())) {
    std::string cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    std::string argv0 = cmd.substr(0, cmd.find('\0'));
    char buf[4096];
    std::string link = "/proc/" + std::to_string(pid) + "/cwd";
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
    if (n <= 0 || std::string(buf, static_cast<size_t>(n)) != cwd.string()) continue;
    if (argv0.size() >= argv0_suffix.size() &&
        argv0.compare(argv0.size() - argv0_suffix.size(), argv0_suffix.size(), argv0_suffix) == 0)
      return pid;
  }
  return 0;
}

bool process_alive(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'Z';
}

std::string json_field(const std::string& json, const std::string& key) {
  auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return "<missing>";
  at += key.size() + 3;
  size_t end = at;
  int depth = 0;
  while (end < json.size() && (depth > 0 || (json[end] != ',' && json[end] != '}'))) {
    if (json[end] == '{' || json[end] == '[') ++depth;
    if (json[end] == '}' || json[end] == ']') --depth;
    ++end;
  }
  return json.substr(at, end - at);
}

std::string comm_of(pid_t pid) {
  std::string c = read_file("/proc/" + std::to_string(pid) + "/comm");
  if (!c.empty() && c.back() == '\n') c.pop_back();
  return c;
}

}  // namespace svkit::test
