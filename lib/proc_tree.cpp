// SPDX-License-Identifier: MIT
// proc_tree: descendants of a process and their resource use.
//
// Linux: /proc/PID/task/TID/children lists the children of one thread (CONFIG_PROC_CHILDREN,
// on in every distribution kernel), so the tree below ROOT costs one read per thread of each
// member, whatever else runs on the machine; /proc/PID/stat gives utime, stime (clock
// ticks) and rss (pages). A process that exits while we read simply drops out.
//
// POSIX (macOS, the BSDs; SVKIT_POSIX_ONLY on Linux): one `ps -A -o pid=,ppid=,rss=,time=`
// listing (rss in KiB, time as [[DD-]HH:]MM:SS), started through spawn() and bounded in
// time: a ps that takes longer than a few seconds is killed and the answer is empty.
#include "svkit/proc_tree.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

#include "svkit/platform.hpp"
#include "svkit/unique_fd.hpp"

#if SVKIT_LINUX
#include <dirent.h>
#else
#include <algorithm>
#include <string>

#include "svkit/spawn.hpp"
#endif

namespace svkit {
namespace {

constexpr size_t kMaxProcesses = 65536;

// Parses one decimal number at *P (leading blanks skipped); advances *P past it.
bool parse_u64(const char*& p, const char* end, uint64_t& out) {
  while (p < end && (*p == ' ' || *p == '\t')) ++p;
  if (p >= end || *p < '0' || *p > '9') return false;
  uint64_t v = 0;
  while (p < end && *p >= '0' && *p <= '9') v = v * 10 + static_cast<uint64_t>(*p++ - '0');
  out = v;
  return true;
}

}  // namespace

#if SVKIT_LINUX

namespace {

// Reads the small file PATH into BUF (NUL-terminated); returns its length or -1.
ssize_t read_small(const char* path, char* buf, size_t size) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return -1;
  size_t len = 0;
  while (len + 1 < size) {
    ssize_t n = ::read(fd.get(), buf + len, size - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  buf[len] = '\0';
  return static_cast<ssize_t>(len);
}

// Appends the pids listed in the children file open at FD to OUT (bounded), read from
// offset 0 with pread (the file is regenerated for a read at 0); false when it cannot be
// read (its process ended).
bool read_children_fd(int fd, std::vector<pid_t>& out) {
  // The list can be long (200 children: ~1.4 KB); read it in chunks, carrying a
  // number split across two reads. The kernel fills a read as far as the list goes, so
  // a short read is the end of it: one pread for a short list.
  char buf[4096];
  uint64_t partial = 0;
  bool in_number = false;
  off_t at = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    at += n;
    for (ssize_t i = 0; i < n; ++i) {
      char c = buf[i];
      if (c >= '0' && c <= '9') {
        partial = partial * 10 + static_cast<uint64_t>(c - '0');
        in_number = true;
      } else if (in_number) {
        if (out.size() < kMaxProcesses) out.push_back(static_cast<pid_t>(partial));
        partial = 0;
        in_number = false;
      }
    }
    if (static_cast<size_t>(n) < sizeof buf) break;
  }
  if (in_number && out.size() < kMaxProcesses) out.push_back(static_cast<pid_t>(partial));
  return true;
}

// Appends the pids listed in a children FILE to OUT (bounded).
void read_children_file(const char* file, std::vector<pid_t>& out) {
  UniqueFd fd(::open(file, O_RDONLY | O_CLOEXEC));
  if (fd) read_children_fd(fd.get(), out);
}

// Appends the children of every thread of PID to OUT (bounded).
void append_children(pid_t pid, std::vector<pid_t>& out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", static_cast<int>(pid));
  DIR* dir = ::opendir(path);
  if (!dir) return;
  while (struct dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char file[300];
    snprintf(file, sizeof file, "/proc/%d/task/%s/children", static_cast<int>(pid), e->d_name);
    read_children_file(file, out);
  }
  ::closedir(dir);
}

// The children of PID, which has THREADS threads: a single-threaded process (most) has
// one list, read without listing its tasks.
void children_of(pid_t pid, uint64_t threads, std::vector<pid_t>& out) {
  if (threads != 1) return append_children(pid, out);
  char file[64];
  snprintf(file, sizeof file, "/proc/%d/task/%d/children", static_cast<int>(pid), static_cast<int>(pid));
  read_children_file(file, out);
}

// The fields of /proc/PID/stat the tree needs.
struct StatFields {
  bool ok = false, zombie = false;
  uint64_t utime = 0, stime = 0, threads = 0, rss = 0;
};
StatFields parse_stat(const char* buf, ssize_t len) {
  StatFields f;
  if (len <= 0) return f;  // gone meanwhile
  // "PID (COMM) S PPID ...": COMM may hold anything, so fields count from the last ')'.
  const char* end = buf + len;
  const char* q = static_cast<const char*>(memrchr(buf, ')', static_cast<size_t>(len)));
  if (!q) return f;
  ++q;
  while (q < end && *q == ' ') ++q;
  f.zombie = q < end && *q == 'Z';
  while (q < end && *q != ' ') ++q;  // field 3, the state letter
  // Fields 4 (ppid) to 24 (rss): 14 utime, 15 stime, 20 threads, 24 rss; 18-19 may be < 0.
  uint64_t v = 0;
  for (int field = 4; field <= 24; ++field) {
    while (q < end && *q == ' ') ++q;
    if (q < end && *q == '-') ++q;
    if (!parse_u64(q, end, v)) return f;
    if (field == 14) f.utime = v;
    if (field == 15) f.stime = v;
    if (field == 20) f.threads = v;
    if (field == 24) f.rss = v;
  }
  f.ok = true;
  return f;
}

StatFields read_stat(pid_t p) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(p));
  return parse_stat(buf, read_small(path, buf, sizeof buf));
}

// /proc/PID/stat read again through the open FD (one pread: the file is a few hundred
// bytes and made whole for each read at offset 0).
StatFields pread_stat(int fd) {
  char buf[1024];
  ssize_t n;
  do n = ::pread(fd, buf, sizeof buf - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n > 0) buf[n] = '\0';
  return parse_stat(buf, n);
}

void add_usage(TreeUsage& u, const StatFields& f) {
  static const long tick = ::sysconf(_SC_CLK_TCK);
  static const long page = ::sysconf(_SC_PAGESIZE);
  u.rss_bytes += f.rss * static_cast<uint64_t>(page);
  u.cpu_seconds += static_cast<double>(f.utime + f.stime) / static_cast<double>(tick);
  ++u.processes;
}

}  // namespace

std::vector<pid_t> descendants(pid_t root) {
  std::vector<pid_t> out;
  if (root <= 0) return out;
  // Depth-first: the children of each member are inserted right after it.
  std::vector<pid_t> stack;
  append_children(root, stack);
  std::vector<pid_t> kids;
  while (!stack.empty() && out.size() < kMaxProcesses) {
    pid_t p = stack.back();
    stack.pop_back();
    out.push_back(p);
    kids.clear();
    append_children(p, kids);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it)
      if (stack.size() < kMaxProcesses) stack.push_back(*it);
  }
  return out;
}

TreeUsage usage_of(const std::vector<pid_t>& pids) {
  TreeUsage u;
  for (pid_t p : pids) {
    if (p <= 0) continue;
    StatFields f = read_stat(p);
    if (f.ok && !f.zombie) add_usage(u, f);  // a zombie uses nothing
  }
  return u;
}

TreeUsage usage_below(pid_t root, const std::vector<pid_t>& skip) {
  TreeUsage u;
  if (root <= 0) return u;
  std::vector<pid_t> stack;
  uint64_t threads = root == ::getpid() ? 1 : read_stat(root).threads;
  children_of(root, threads, stack);
  size_t seen = 0;
  while (!stack.empty() && seen++ < kMaxProcesses) {
    pid_t p = stack.back();
    stack.pop_back();
    if (std::find(skip.begin(), skip.end(), p) != skip.end()) continue;
    StatFields f = read_stat(p);
    if (!f.ok || f.zombie) continue;  // gone, or uses nothing (its children moved up)
    add_usage(u, f);
    children_of(p, f.threads, stack);
  }
  return u;
}

std::optional<TreeUsage> tree_usage(pid_t root) {
  if (root <= 0) return std::nullopt;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(root));
  if (::access(path, F_OK) != 0) return std::nullopt;
  return usage_of(descendants(root));
}

constexpr size_t kKeptMembers = 64;

int open_proc(pid_t pid, bool children) {
  char path[64];
  if (children)
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", static_cast<int>(pid), static_cast<int>(pid));
  else
    snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  return ::open(path, O_RDONLY | O_CLOEXEC);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void TreeSampler::begin() {
  for (Member& m : members_) m.seen = false;
}

TreeSampler::Member* TreeSampler::member(pid_t pid) {
  for (Member& m : members_)
    if (m.pid == pid) {
      m.seen = true;
      return &m;
    }
  if (members_.size() >= kKeptMembers) return nullptr;
  members_.push_back(Member{pid, -1, -1, true});
  return &members_.back();
}

void TreeSampler::add(TreeUsage& u, pid_t root, bool with_root, const std::vector<pid_t>& skip) {
  if (root <= 0) return;
  const pid_t self = ::getpid();
  std::vector<pid_t> stack;
  if (with_root) stack.push_back(root);
  size_t seen = 0;
  // ROOT's own children first (unless ROOT is measured too: then as any member's).
  bool root_pending = !with_root;
  for (;;) {
    pid_t p;
    bool count = true;
    if (root_pending) {
      p = root;
      count = false;
      root_pending = false;
    } else {
      if (stack.empty() || seen++ >= kMaxProcesses) break;
      p = stack.back();
      stack.pop_back();
      if (std::find(skip.begin(), skip.end(), p) != skip.end()) continue;
    }
    Member* m = member(p);
    StatFields f;
    if (p == self && !count) {
      f.ok = true;
      f.threads = 1;  // the caller: single-threaded, its stat not needed
    } else if (m) {
      // A kept file whose process ended fails (ESRCH); the pid is now another process's
      // (it is listed again): open afresh, once.
      for (int attempt = 0; attempt < 2 && !f.ok; ++attempt) {
        if (m->stat_fd < 0) m->stat_fd = open_proc(p, false);
        if (m->stat_fd < 0) break;
        f = pread_stat(m->stat_fd);
        if (!f.ok) {
          close_fd(m->stat_fd);
          close_fd(m->children_fd);
        }
      }
    } else {
      f = read_stat(p);
    }
    if (!f.ok || f.zombie) {  // gone, or uses nothing (its children moved up)
      if (m && !f.ok) m->seen = false;  // end() closes its files
      continue;
    }
    if (count) add_usage(u, f);
    if (m && f.threads == 1) {
      if (m->children_fd < 0) m->children_fd = open_proc(p, true);
      if (m->children_fd >= 0 && read_children_fd(m->children_fd, stack)) continue;
      close_fd(m->children_fd);
    }
    children_of(p, f.threads, stack);
  }
}

void TreeSampler::end() {
  size_t kept = 0;
  for (Member& m : members_) {
    if (m.seen) {
      members_[kept++] = m;
    } else {
      close_fd(m.stat_fd);
      close_fd(m.children_fd);
    }
  }
  members_.resize(kept);
}

void TreeSampler::reset() {
  for (Member& m : members_) {
    close_fd(m.stat_fd);
    close_fd(m.children_fd);
  }
  members_.clear();
  members_.shrink_to_fit();
}

OneListing::OneListing() noexcept {}
OneListing::~OneListing() {}

#else  // POSIX: one ps listing

namespace {

struct PsRow {
  pid_t pid;
  pid_t ppid;
  uint64_t rss_kib;
  double cpu_seconds;
};

// "[[DD-]HH:]MM:SS[.ss]" (procps, BSD and macOS ps differ in the details).
bool parse_time(const char* p, const char* end, double& out) {
  double parts[4] = {0, 0, 0, 0};
  int n = 0;
  double days = 0;
  while (p < end) {
    uint64_t v = 0;
    if (!parse_u64(p, end, v)) return false;
    double x = static_cast<double>(v);
    if (p < end && *p == '.') {
      ++p;
      double scale = 0.1;
      while (p < end && *p >= '0' && *p <= '9') {
        x += scale * (*p++ - '0');
        scale /= 10;
      }
    }
    if (p < end && *p == '-') {
      days = x;
      ++p;
      continue;
    }
    if (n == 4) return false;
    parts[n++] = x;
    if (p < end && *p == ':') ++p;
    else break;
  }
  if (n == 0) return false;
  double s = 0;
  for (int i = 0; i < n; ++i) s = s * 60 + parts[i];
  out = days * 86400 + s;
  return true;
}

// The listing shared while a OneListing lives: taken at the first question, dropped with
// the last scope. A failed ps is remembered too (asking again would stall as long).
struct Shared {
  int depth = 0;
  bool taken = false;
  bool ok = false;
  std::vector<PsRow> rows;
};
Shared g_shared;

bool run_ps(std::vector<PsRow>& out);

// OUT = the rows of the listing (the shared one inside a OneListing); false when ps could
// not run or was too slow.
bool ps_listing(std::vector<PsRow>& out) {
  if (g_shared.depth == 0) return run_ps(out);
  if (!g_shared.taken) {
    g_shared.taken = true;
    g_shared.rows.clear();
    g_shared.ok = run_ps(g_shared.rows);
  }
  if (!g_shared.ok) return false;
  out = g_shared.rows;
  return true;
}

// Runs ps and parses its rows into OUT; false when ps could not run or was too slow.
bool run_ps(std::vector<PsRow>& out) {
  static const char* const candidates[] = {"/bin/ps", "/usr/bin/ps"};
  const char* path = nullptr;
  for (const char* c : candidates)
    if (::access(c, X_OK) == 0) {
      path = c;
      break;
    }
  if (!path) return false;
  char a0[] = "ps", a1[] = "-A", a2[] = "-o", a3[] = "pid=,ppid=,rss=,time=";
  char* argv[] = {a0, a1, a2, a3, nullptr};
  char lc[] = "LC_ALL=C", env_path[] = "PATH=/bin:/usr/bin";
  char* envp[] = {lc, env_path, nullptr};
  SpawnSpec spec;
  spec.path = path;
  spec.argv = argv;
  spec.envp = envp;
  Captured ps;
  if (!capture(spec, 5000, 64u << 20, ps)) return false;
  const std::string& text = ps.out;
  const pid_t pid = ps.pid;
  const char* q = text.data();
  const char* end = q + text.size();
  while (q < end) {
    const char* eol = static_cast<const char*>(memchr(q, '\n', static_cast<size_t>(end - q)));
    if (!eol) eol = end;
    uint64_t pid_v = 0, ppid_v = 0, rss_v = 0;
    const char* f = q;
    if (parse_u64(f, eol, pid_v) && parse_u64(f, eol, ppid_v) && parse_u64(f, eol, rss_v)) {
      while (f < eol && (*f == ' ' || *f == '\t')) ++f;
      double t = 0;
      if (parse_time(f, eol, t) && static_cast<pid_t>(pid_v) != pid)  // not ps itself
        out.push_back({static_cast<pid_t>(pid_v), static_cast<pid_t>(ppid_v), rss_v, t});
    }
    q = eol + 1;
  }
  return true;
}

// Indexes into ROWS of ROOT's descendants, depth-first; FOUND = ROOT is listed.
std::vector<size_t> descend(const std::vector<PsRow>& rows, pid_t root, bool& found) {
  found = false;
  std::vector<size_t> by_parent(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    by_parent[i] = i;
    if (rows[i].pid == root) found = true;
  }
  std::sort(by_parent.begin(), by_parent.end(), [&](size_t a, size_t b) {
    return rows[a].ppid != rows[b].ppid ? rows[a].ppid < rows[b].ppid : rows[a].pid < rows[b].pid;
  });
  auto children = [&](pid_t parent) {
    auto lo = std::lower_bound(by_parent.begin(), by_parent.end(), parent,
                               [&](size_t i, pid_t v) { return rows[i].ppid < v; });
    auto hi = lo;
    while (hi != by_parent.end() && rows[*hi].ppid == parent) ++hi;
    return std::make_pair(lo, hi);
  };
  std::vector<size_t> out;
  std::vector<size_t> stack;
  auto push_children = [&](pid_t parent) {
    auto r = children(parent);
    for (auto it = r.second; it != r.first;) {
      --it;
      if (rows[*it].pid != parent && stack.size() < kMaxProcesses) stack.push_back(*it);
    }
  };
  push_children(root);
  while (!stack.empty() && out.size() < kMaxProcesses) {
    size_t i = stack.back();
    stack.pop_back();
    out.push_back(i);
    push_children(rows[i].pid);
  }
  return out;
}

}  // namespace

std::vector<pid_t> descendants(pid_t root) {
  std::vector<pid_t> out;
  std::vector<PsRow> rows;
  if (root <= 0 || !ps_listing(rows)) return out;
  bool found = false;
  for (size_t i : descend(rows, root, found)) out.push_back(rows[i].pid);
  return out;
}

std::optional<TreeUsage> tree_usage(pid_t root) {
  if (root <= 0) return std::nullopt;
  std::vector<PsRow> rows;
  if (!ps_listing(rows)) {
    // ps failed: still say whether ROOT exists.
    if (::kill(root, 0) != 0 && errno == ESRCH) return std::nullopt;
    return TreeUsage{};
  }
  bool found = false;
  std::vector<size_t> idx = descend(rows, root, found);
  if (!found) return std::nullopt;
  TreeUsage u;
  for (size_t i : idx) {
    u.rss_bytes += rows[i].rss_kib * 1024;
    u.cpu_seconds += rows[i].cpu_seconds;
    ++u.processes;
  }
  return u;
}

TreeUsage usage_of(const std::vector<pid_t>& pids) {
  TreeUsage u;
  std::vector<PsRow> rows;
  if (pids.empty() || !ps_listing(rows)) return u;
  std::vector<pid_t> want(pids);
  std::sort(want.begin(), want.end());
  for (const PsRow& r : rows) {
    if (!std::binary_search(want.begin(), want.end(), r.pid)) continue;
    u.rss_bytes += r.rss_kib * 1024;
    u.cpu_seconds += r.cpu_seconds;
    ++u.processes;
  }
  return u;
}

TreeUsage usage_below(pid_t root, const std::vector<pid_t>& skip) {
  TreeUsage u;
  std::vector<PsRow> rows;
  if (root <= 0 || !ps_listing(rows)) return u;
  std::vector<pid_t> gone(skip);
  bool found = false;
  for (pid_t s0 : skip)
    for (size_t i : descend(rows, s0, found)) gone.push_back(rows[i].pid);
  std::sort(gone.begin(), gone.end());
  for (size_t i : descend(rows, root, found)) {
    if (std::binary_search(gone.begin(), gone.end(), rows[i].pid)) continue;
    u.rss_bytes += rows[i].rss_kib * 1024;
    u.cpu_seconds += rows[i].cpu_seconds;
    ++u.processes;
  }
  return u;
}

OneListing::OneListing() noexcept { ++g_shared.depth; }
OneListing::~OneListing() {
  if (--g_shared.depth == 0) {
    g_shared.taken = false;
    g_shared.rows.clear();
    g_shared.rows.shrink_to_fit();
  }
}

void TreeSampler::begin() {}
void TreeSampler::end() {}
void TreeSampler::reset() {}
void TreeSampler::add(TreeUsage& u, pid_t root, bool with_root, const std::vector<pid_t>& skip) {
  OneListing one;  // ROOT's own row and its descendants' from the same ps
  TreeUsage b = with_root ? usage_of({root}) : TreeUsage{};
  TreeUsage c = usage_below(root, skip);
  u.rss_bytes += b.rss_bytes + c.rss_bytes;
  u.cpu_seconds += b.cpu_seconds + c.cpu_seconds;
  u.processes += b.processes + c.processes;
}

#endif

}  // namespace svkit
