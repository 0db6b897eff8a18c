// SPDX-License-Identifier: MIT
// svdeploy store: names, the per-NAME state/lock/journal, and installing a release (a
// directory copied with Boost.Filesystem or a tar archive extracted with libarchive),
// verified complete before it becomes visible under its version.
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "deploy.hpp"

namespace fs = boost::filesystem;

namespace svdeploy {

void fail(int code, const std::string& what) { throw Fatal(code, what); }
void fail_sys(const std::string& what) {
  throw Fatal(kExitTemporary, what + ": " + ::strerror(errno));
}

void check_name(const std::string& what, const std::string& s, bool allow_at) {
  auto bad = [&](const std::string& why) {
    fail(kExitRefused, "invalid " + what + " '" + s + "': " + why);
  };
  if (s.empty()) bad("empty");
  if (s.size() > 64) bad("longer than 64 characters");
  if (s[0] == '.') bad("starts with a dot");
  int ats = 0;
  for (unsigned char c : s) {
    if (c == '/') bad("contains '/'");
    if (c == ' ' || c == '\t') bad("contains a space");
    if (c == '@' && allow_at && ++ats == 1) continue;
    if (!(isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+'))
      bad(std::string("contains '") + static_cast<char>(c) + "'");
  }
  if (s == "service" || (!allow_at && (s == "current" || s == "owner" || s == "deploy-group")))
    bad("reserved");
}

std::string user_name() {
  if (const struct passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  return std::to_string(::getuid());
}

std::string now_iso() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  ::gmtime_r(&ts.tv_sec, &tm);
  char buf[40];
  ::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double now_mono() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool path_exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

std::string read_text(const std::string& path, bool* found) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (found) *found = fd >= 0;
  if (fd < 0) return "";
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  ::close(fd);
  return out;
}

static void fsync_path(const std::string& p, bool dir) {
  int fd = ::open(p.c_str(), (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) fail_sys("unable to open " + p);
  if (::fsync(fd) != 0 && errno != EINVAL) {
    ::close(fd);
    fail_sys("unable to sync " + p);
  }
  ::close(fd);
}

void write_atomic(const std::string& path, const std::string& content, int mode, bool sync) {
  std::string tmp = path + ".new";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) fail_sys("unable to create " + tmp);
  ssize_t n = ::write(fd, content.data(), content.size());
  if (n != static_cast<ssize_t>(content.size()) || (sync && ::fsync(fd) != 0)) {
    if (n >= 0 && n != static_cast<ssize_t>(content.size())) errno = ENOSPC;
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    errno = e;
    fail_sys("unable to write " + tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail_sys("unable to rename " + tmp);
  if (sync) fsync_path(fs::path(path).parent_path().string(), true);
}

Service service(const Roots& r, const std::string& name) {
  check_name("name", name, true);
  return Service{&r, name, r.store + "/" + name};
}

std::string trusted_text(const Service& s, const std::string& file) {
  std::string path = s.dir + "/" + file;
  struct stat st, ds;
  if (::lstat(path.c_str(), &st) != 0) return "";
  if (::stat(s.dir.c_str(), &ds) != 0) fail_sys("unable to stat " + s.dir);
  if (!S_ISREG(st.st_mode) || st.st_uid != ds.st_uid)
    fail(kExitRefused, path + " is not a file of the owner of " + s.dir + "; not trusted");
  std::string t = read_text(path);
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

State read_state(const Service& s) {
  State st;
  std::istringstream in(read_text(s.dir + "/.state"));
  for (std::string line; std::getline(in, line);) {
    auto sp = line.find(' ');
    std::string k = line.substr(0, sp), v = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (k == "active") st.active = v;
    else if (k == "previous") st.previous = v;
    else if (k == "activated_at") st.activated_at = v;
    else if (k == "activated_by") st.activated_by = v;
  }
  return st;
}

void write_state(const Service& s, const State& st) {
  write_atomic(s.dir + "/.state", "active " + st.active + "\nprevious " + st.previous +
                                      "\nactivated_at " + st.activated_at +
                                      "\nactivated_by " + st.activated_by + "\n",
               0664);
}

void journal(const Service& s, const std::string& action, const std::string& from,
             const std::string& to, const std::string& result) {
  std::string line = now_iso() + "\t" + user_name() + "\t" + action + "\t" +
                     (from.empty() ? "-" : from) + "\t" + (to.empty() ? "-" : to) + "\t" +
                     result + "\n";
  int fd = ::open((s.dir + "/.history").c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                  0664);
  if (fd < 0) fail_sys("unable to open " + s.dir + "/.history");
  // One append, not fsynced: the state file carries the truth, the journal the story.
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok) fail_sys("unable to append to " + s.dir + "/.history");
}

// Installed versions, oldest install first: the order recorded in .versions (a release
// directory's time is no record: the service runs in it and may write there), then any
// release missing from it (a crash between the rename and the record), by directory time.
std::vector<std::string> versions(const Service& s) {
  std::vector<std::string> out;
  std::istringstream rec(read_text(s.dir + "/.versions"));
  for (std::string v; std::getline(rec, v);) {
    struct stat st;
    if (!v.empty() && v[0] != '.' && v != "service" && v.find('/') == std::string::npos &&
        ::lstat(s.release(v).c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
        std::find(out.begin(), out.end(), v) == out.end())
      out.push_back(v);
  }
  std::vector<std::pair<std::pair<long, long>, std::string>> found;
  boost::system::error_code ec;
  for (fs::directory_iterator it(s.dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n.empty() || n[0] == '.' || n == "service") continue;
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (std::find(out.begin(), out.end(), n) == out.end())
      found.push_back({{st.st_mtim.tv_sec, st.st_mtim.tv_nsec}, n});
  }
  std::sort(found.begin(), found.end());
  for (auto& f : found) out.push_back(f.second);
  return out;
}

// Rewrites .versions (under the lock) from what is installed now, in install order.
static void record_versions(const Service& s) {
  std::string text;
  for (auto& v : versions(s)) text += v + "\n";
  write_atomic(s.dir + "/.versions", text, 0664);
}

int lock_service(const Service& s, bool create) {
  if (create) {
    boost::system::error_code ec;
    fs::create_directories(s.dir, ec);
    if (ec) fail(kExitTemporary, "unable to create " + s.dir + ": " + ec.message());
  } else if (!path_exists(s.dir)) {
    fail(kExitRefused, s.name + ": no such service in " + s.roots->store);
  }
  std::string path = s.dir + "/.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  if (fd < 0 && (errno == EACCES || errno == EROFS))
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EACCES) fail(kExitRefused, "permission denied: " + path);
    fail_sys("unable to open " + path);
  }
  double until = now_mono() + s.roots->wait;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) fail_sys("unable to lock " + path);
    if (now_mono() >= until) {
      std::string holder = read_text(path);
      while (!holder.empty() && holder.back() == '\n') holder.pop_back();
      fail(kExitTemporary, s.name + " is locked by another svdeploy" +
                               (holder.empty() ? "" : " (" + holder + ")") +
                               "; try again later or wait longer with -w");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string me = "pid " + std::to_string(::getpid()) + " user " + user_name() + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, me.data(), me.size(), 0);
  clean_roots(*s.roots);
  return fd;
}

static int open_roots_lock(const Roots& r) {
  std::string path = r.store + "/.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  if (fd < 0 && (errno == EACCES || errno == EROFS)) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  return fd;
}

int hold_roots_shared(const Roots& r) {
  boost::system::error_code ec;
  fs::create_directories(r.store, ec);
  if (ec) fail(kExitTemporary, "unable to create " + r.store + ": " + ec.message());
  int fd = open_roots_lock(r);
  if (fd < 0) fail_sys("unable to open " + r.store + "/.lock");
  while (::flock(fd, LOCK_SH) != 0)
    if (errno != EINTR) fail_sys("unable to lock " + r.store + "/.lock");
  return fd;
}

// ---- install ------------------------------------------------------------------------

namespace {

bool svkit_write_all(int fd, const char* p, size_t n) {
  while (n) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = ENOSPC;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// True when a symlink at REL (relative to the release root) with TARGET leaves the release.
bool escapes(const std::string& rel, const std::string& target) {
  if (target.empty() || target[0] == '/') return true;
  std::vector<std::string> parts;
  fs::path parent = fs::path(rel).parent_path();
  for (auto& p : parent)
    if (p != "." && !p.empty()) parts.push_back(p.string());
  for (auto& p : fs::path(target)) {
    std::string c = p.string();
    if (c == "." || c.empty()) continue;
    if (c == "..") {
      if (parts.empty()) return true;
      parts.pop_back();
    } else {
      parts.push_back(c);
    }
  }
  return false;
}

// True when a parent directory of REL (relative to the current directory, the tree being
// extracted) is a symlink: nothing is written or hard-linked through a link.
bool through_symlink(const std::string& rel, std::string* link) {
  std::string p;
  for (auto& c : fs::path(rel).parent_path()) {
    p += (p.empty() ? "" : "/") + c.string();
    struct stat st;
    if (::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      *link = p;
      return true;
    }
  }
  return false;
}

// Each symlink of the tree ROOT, resolved on disk (through the tree's other links), stays
// inside ROOT: x -> . and y -> x/.. each look harmless as text, but y leads out.
void check_links_inside(const std::string& root) {
  boost::system::error_code ec;
  fs::path top = fs::canonical(root, ec);
  if (ec) fail(kExitTemporary, "unable to resolve " + root + ": " + ec.message());
  std::string base = top.string() + "/";
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!fs::is_symlink(it->symlink_status())) continue;
    std::string rel = it->path().lexically_relative(root).string();
    boost::system::error_code e2;
    fs::path target = fs::read_symlink(it->path(), e2);
    fs::path to = fs::weakly_canonical(it->path().parent_path() / target, e2);
    if (e2)
      fail(kExitRefused, "release symlink " + rel + " -> " + target.string() +
                             " cannot be resolved: " + e2.message());
    if (to != top && to.string().rfind(base, 0) != 0)
      fail(kExitRefused, "release symlink " + rel + " -> " + target.string() +
                             " points outside the release");
  }
  if (ec) fail(kExitTemporary, "unable to read " + root + ": " + ec.message());
}

bool has_dotdot(const std::string& rel) {
  for (auto& p : fs::path(rel))
    if (p == "..") return true;
  return false;
}

const char* kind_of(mode_t m) {
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISFIFO(m)) return "a fifo";
  if (S_ISSOCK(m)) return "a socket";
  return "an unsupported file type";
}

std::string human(uint64_t n) {
  return std::to_string(n) + " bytes";
}

// Boost 1.74's copy_file uses copy_file_range and fails with EXDEV across file systems on
// some kernels, so the bytes are copied here; the walk and paths stay Boost's.
void copy_file(const std::string& from, const std::string& to, mode_t mode, const std::string& rel,
               uint64_t limit) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) fail_sys("unable to read " + from);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    ::close(in);
    fail_sys("unable to create " + to);
  }
  char buf[65536];
  uint64_t total = 0;
  for (ssize_t n; (n = ::read(in, buf, sizeof buf)) != 0;) {
    if (n > 0 && (total += static_cast<uint64_t>(n)) > limit) {  // it grew while copied
      ::close(in);
      ::close(out);
      fail(kExitRefused, "release file " + rel + " is over the size limit of " + human(limit));
    }
    if (n < 0 || !svkit_write_all(out, buf, static_cast<size_t>(n))) {
      int e = errno;
      ::close(in);
      ::close(out);
      errno = e;
      fail_sys(std::string(n < 0 ? "unable to read " : "unable to write ") + rel);
    }
  }
  ::close(in);
  if (::fchmod(out, mode) != 0 || ::close(out) != 0) fail_sys("unable to write " + rel);
}

void copy_tree(const Roots& r, const std::string& src, const std::string& dst) {
  std::vector<std::pair<std::string, mode_t>> dirs;  // modes set last (read-only dirs)
  if (::mkdir(dst.c_str(), 0700) != 0) fail_sys("unable to create " + dst);
  boost::system::error_code ec;
  fs::recursive_directory_iterator it(src, ec), end;
  if (ec) fail(kExitTemporary, "unable to read " + src + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) fail(kExitTemporary, "unable to read " + src + ": " + ec.message());
    fs::path rel = it->path().lexically_relative(src);
    std::string relstr = rel.string(), out = dst + "/" + relstr;
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) fail_sys("unable to stat " + it->path().string());
    try {
      if (S_ISDIR(st.st_mode)) {
        if (::mkdir(out.c_str(), 0700) != 0) fail_sys("unable to create " + out);
        dirs.push_back({out, st.st_mode & 07777});
      } else if (S_ISREG(st.st_mode)) {
        if (static_cast<uint64_t>(st.st_size) > r.max_file_size)
          fail(kExitRefused, "release file " + relstr + " is " + human(st.st_size) +
                                 ", over the size limit of " + human(r.max_file_size));
        copy_file(it->path().string(), out, st.st_mode & 07777, relstr, r.max_file_size);
      } else if (S_ISLNK(st.st_mode)) {
        std::string target = fs::read_symlink(it->path()).string();
        if (escapes(relstr, target))
          fail(kExitRefused, "release symlink " + relstr + " -> " + target +
                                 " points outside the release");
        fs::create_symlink(target, out);
      } else {
        fail(kExitRefused, "release file " + relstr + " is " + kind_of(st.st_mode));
      }
    } catch (const fs::filesystem_error& e) {
      fail(kExitTemporary, "unable to copy " + relstr + ": " + e.code().message());
    }
  }
  struct stat st;
  if (::stat(src.c_str(), &st) == 0) dirs.insert(dirs.begin(), {dst, st.st_mode & 07777});
  for (auto i = dirs.rbegin(); i != dirs.rend(); ++i) ::chmod(i->first.c_str(), i->second | 0700);
}

struct Archive {
  struct archive* a = archive_read_new();
  struct archive* w = archive_write_disk_new();
  ~Archive() {
    archive_read_free(a);
    archive_write_free(w);
  }
};

// libarchive's message, or the system's when a system call failed ("No space left ...").
std::string arch_err(struct archive* a) {
  int e = archive_errno(a);
  if (e > 0 && e != EILSEQ) return ::strerror(e);
  const char* m = archive_error_string(a);
  return m ? m : "unknown error";
}

void extract(const Roots& r, const std::string& file, const std::string& dst) {
  if (::mkdir(dst.c_str(), 0700) != 0) fail_sys("unable to create " + dst);
  Archive ar;
  archive_read_support_format_tar(ar.a);
  archive_read_support_format_gnutar(ar.a);
  archive_read_support_filter_all(ar.a);
  if (archive_read_open_filename(ar.a, file.c_str(), 65536) != ARCHIVE_OK)
    fail(kExitRefused, "unable to read archive " + file + ": " + archive_error_string(ar.a));
  archive_write_disk_set_options(
      ar.w, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
  int back = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (back < 0 || ::chdir(dst.c_str()) != 0) fail_sys("unable to change to " + dst);
  struct Restore {
    int fd;
    ~Restore() {
      (void)!::fchdir(fd);
      ::close(fd);
    }
  } restore{back};
  struct archive_entry* e;
  int rc;
  bool any = false;
  while ((rc = archive_read_next_header(ar.a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    const char* p = archive_entry_pathname(e);
    std::string rel = p ? p : "";
    if (!rel.empty() && rel[0] == '/')
      fail(kExitRefused, "archive entry " + rel + " has an absolute path");
    while (rel.rfind("./", 0) == 0) rel.erase(0, 2);
    while (!rel.empty() && rel.back() == '/') rel.pop_back();
    if (has_dotdot(rel)) fail(kExitRefused, "archive entry " + rel + " has a '..' component");
    if (rel.empty() || rel == ".") continue;
    std::string via;
    if (through_symlink(rel, &via))
      fail(kExitRefused, "archive entry " + rel + " goes through the symlink " + via);
    mode_t type = archive_entry_filetype(e);
    const char* hl = archive_entry_hardlink(e);
    if (hl) {
      std::string h = hl;
      while (h.rfind("./", 0) == 0) h.erase(0, 2);
      if (h.empty() || h[0] == '/' || has_dotdot(h))
        fail(kExitRefused, "archive hard link " + rel + " -> " + hl + " points outside the release");
      if (through_symlink(h, &via))
        fail(kExitRefused, "archive hard link " + rel + " -> " + hl + " goes through the symlink " + via);
      archive_entry_set_hardlink(e, h.c_str());
    } else if (type == AE_IFLNK) {
      const char* t = archive_entry_symlink(e);
      if (!t || escapes(rel, t))
        fail(kExitRefused, "archive symlink " + rel + " -> " + (t ? t : "") +
                               " points outside the release");
    } else if (type != AE_IFREG && type != AE_IFDIR) {
      fail(kExitRefused, "archive entry " + rel + " is " + kind_of(type));
    }
    if (archive_entry_size_is_set(e) && static_cast<uint64_t>(archive_entry_size(e)) > r.max_file_size)
      fail(kExitRefused, "archive entry " + rel + " is " + human(archive_entry_size(e)) +
                             ", over the size limit of " + human(r.max_file_size));
    archive_entry_set_pathname(e, rel.c_str());
    archive_entry_set_perm(e, archive_entry_perm(e) | (type == AE_IFDIR ? 0700 : 0600));
    if (archive_write_header(ar.w, e) != ARCHIVE_OK)
      fail(kExitTemporary, "unable to extract " + rel + ": " + arch_err(ar.w));
    any = true;
    const void* buf;
    size_t len;
    la_int64_t off;
    uint64_t total = 0;
    int d;
    while ((d = archive_read_data_block(ar.a, &buf, &len, &off)) == ARCHIVE_OK) {
      total += len;
      if (total > r.max_file_size)
        fail(kExitRefused, "archive entry " + rel + " is over the size limit of " +
                               human(r.max_file_size));
      if (archive_write_data_block(ar.w, buf, len, off) != ARCHIVE_OK)
        fail(kExitTemporary, "unable to write " + rel + ": " + arch_err(ar.w));
    }
    if (d != ARCHIVE_EOF)
      fail(kExitRefused, "unable to read archive " + file + ": " + archive_error_string(ar.a));
    if (archive_write_finish_entry(ar.w) != ARCHIVE_OK)
      fail(kExitTemporary, "unable to write " + rel + ": " + arch_err(ar.w));
  }
  if (rc != ARCHIVE_EOF)
    fail(kExitRefused, "unable to read archive " + file + ": " + archive_error_string(ar.a));
  if (archive_write_close(ar.w) != ARCHIVE_OK)
    fail(kExitTemporary, "unable to write " + dst + ": " + arch_err(ar.w));
  if (!any) fail(kExitRefused, "archive " + file + " is empty");
}

void sync_tree(const std::string& root) {
  boost::system::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) fsync_path(it->path().string(), S_ISDIR(st.st_mode));
  }
  fsync_path(root, true);
}

// A flat description of a tree: path, type, mode, size, symlink target; contents apart.
std::map<std::string, std::string> describe(const std::string& root) {
  std::map<std::string, std::string> out;
  boost::system::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    std::string rel = it->path().lexically_relative(root).string();
    std::string d = std::to_string(st.st_mode) + " ";
    if (S_ISREG(st.st_mode)) d += std::to_string(st.st_size);
    if (S_ISLNK(st.st_mode)) d += fs::read_symlink(it->path(), ec).string();
    out[rel] = d;
  }
  return out;
}

bool same_tree(const std::string& a, const std::string& b) {
  auto da = describe(a), db = describe(b);
  if (da != db) return false;
  for (auto& [rel, d] : da) {
    fs::path pa = fs::path(a) / rel;
    if (!fs::is_regular_file(fs::symlink_status(pa))) continue;
    if (read_text(pa.string()) != read_text((fs::path(b) / rel).string())) return false;
  }
  return true;
}

// Removes the tree P; read-only directories inside become writable first.
bool remove_tree(const std::string& p) {
  boost::system::error_code ec;
  for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
    if (fs::is_directory(fs::symlink_status(it->path(), ec)))
      ::chmod(it->path().c_str(), 0700);
  fs::remove_all(p, ec);
  return !ec && !path_exists(p);
}

struct TempTree {
  std::string path;
  ~TempTree() {
    if (!path.empty()) remove_tree(path);
  }
};

}  // namespace

// What a killed new or purge leaves at the top of the store (.tmp-*), of the runtime root
// (.purge-*) and of the plain services' root (.tmp-svdeploy-*). Only when no live svdeploy
// holds STORE/.lock shared (each one that makes such a temporary does, until it is gone).
void clean_roots(const Roots& r) {
  int fd = open_roots_lock(r);
  if (fd < 0) return;  // no store yet, or not ours to clean
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return;  // a new or purge is at work: its temporary is live
  }
  auto sweep = [&](const std::string& root, const std::string& prefix) {
    if (root.empty()) return;
    boost::system::error_code ec;
    std::vector<std::string> stale;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().filename().string().rfind(prefix, 0) == 0) stale.push_back(it->path().string());
    std::sort(stale.begin(), stale.end());
    for (auto& p : stale)
      if (remove_tree(p)) warn("removed " + p + " left by an interrupted svdeploy");
  };
  sweep(r.store, ".tmp-");
  sweep(r.runtime, ".purge-");
  sweep(r.services, ".tmp-svdeploy-");
  ::close(fd);
}

void make_runtime_dir(const Service& s) {
  std::string rt = s.runtime_dir();
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  std::string owner = trusted_text(s, "owner");
  if (!owner.empty() && ::geteuid() == 0) {
    const struct passwd* pw = ::getpwnam(owner.c_str());
    if (!pw) fail(kExitRefused, s.name + ": unknown account '" + owner + "' in " + s.dir + "/owner");
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  boost::system::error_code ec;
  fs::create_directories(rt, ec);
  if (ec) fail(kExitTemporary, "unable to create " + rt + ": " + ec.message());
  for (const char* sub : {"", "/log", "/etc", "/data", "/run", "/console"}) {
    std::string d = rt + sub;
    if (::mkdir(d.c_str(), 0750) != 0 && errno != EEXIST) fail_sys("unable to create " + d);
    if (uid != static_cast<uid_t>(-1) && ::chown(d.c_str(), uid, gid) != 0)
      fail_sys("unable to change owner of " + d);
  }
}

void install(const Service& s, const std::string& version, const std::string& source,
             bool quiet) {
  check_name("version", version, false);
  struct stat st;
  if (::stat(source.c_str(), &st) != 0) fail_sys("unable to read " + source);
  if (!s.roots->owner.empty() && !::getpwnam(s.roots->owner.c_str()))
    fail(kExitRefused, "unknown account '" + s.roots->owner + "' (--user)");
  int lock = lock_service(s, true);
  repair(s);
  TempTree tmp{s.dir + "/.tmp-" + version + "-" + std::to_string(::getpid())};
  if (S_ISDIR(st.st_mode)) copy_tree(*s.roots, source, tmp.path);
  else if (S_ISREG(st.st_mode)) extract(*s.roots, source, tmp.path);
  else fail(kExitRefused, source + ": not a directory or a tar archive");
  check_links_inside(tmp.path);
  std::string run = tmp.path + "/run";
  struct stat rs;
  if (::lstat(run.c_str(), &rs) != 0 || !S_ISREG(rs.st_mode))
    fail(kExitRefused, "release has no run file (need an executable ./run)");
  if (!(rs.st_mode & S_IXUSR)) fail(kExitRefused, "release's ./run is not executable");
  sync_tree(tmp.path);
  test_point("install-copied");
  std::string dst = s.release(version);
  bool same = path_exists(dst);
  if (same && !same_tree(tmp.path, dst))
    fail(kExitRefused, s.name + " " + version +
                           " is already installed with different content; install it under a new version");
  bool new_owner = !s.roots->owner.empty() && read_text(s.dir + "/owner") != s.roots->owner + "\n";
  if (new_owner) write_atomic(s.dir + "/owner", s.roots->owner + "\n", 0644);
  make_runtime_dir(s);  // before the release is visible: an unknown owner changes nothing
  if (same) {
    if (new_owner) refresh_service_dir(s);
    if (!quiet) say(s.name + " " + version + ": already installed, same content");
    ::close(lock);
    return;
  }
  ::utimensat(AT_FDCWD, tmp.path.c_str(), nullptr, 0);  // list/prune order: install time
  if (::rename(tmp.path.c_str(), dst.c_str()) != 0) fail_sys("unable to rename into " + dst);
  tmp.path.clear();
  fsync_path(s.dir, true);
  record_versions(s);  // the new one is the newest: missing from the record, newest by time
  if (new_owner) refresh_service_dir(s);  // the account applies from the next start
  journal(s, "install", "", version, "ok");
  if (!quiet) say(s.name + " " + version + ": installed");
  ::close(lock);
}

void remove_version(const Service& s, const std::string& version) {
  check_name("version", version, false);
  int lock = lock_service(s, false);
  repair(s);
  State st = read_state(s);
  if (version == st.active) fail(kExitRefused, s.name + " " + version + " is active; not removed");
  if (version == st.previous)
    fail(kExitRefused, s.name + " " + version + " is the previous version (rollback target); not removed");
  std::string dst = s.release(version);
  if (!path_exists(dst)) fail(kExitRefused, s.name + " " + version + ": not installed");
  // Out of sight first (one rename), then removed: a crash leaves a .tmp- for repair.
  TempTree gone{s.dir + "/.tmp-remove-" + version + "-" + std::to_string(::getpid())};
  if (::rename(dst.c_str(), gone.path.c_str()) != 0) fail_sys("unable to remove " + dst);
  record_versions(s);
  journal(s, "remove", version, "", "ok");
  say(s.name + " " + version + ": removed");
  ::close(lock);
}

void prune(const Service& s, int keep) {
  int lock = lock_service(s, false);
  repair(s);
  State st = read_state(s);
  auto all = versions(s);
  std::vector<std::string> others;
  for (auto& v : all)
    if (v != st.active && v != st.previous) others.push_back(v);
  int kept_special = (st.active.empty() ? 0 : 1) + (st.previous.empty() ? 0 : 1);
  int extra = keep - kept_special;
  if (extra < 0) extra = 0;
  size_t n_remove = others.size() > static_cast<size_t>(extra) ? others.size() - extra : 0;
  for (size_t i = 0; i < n_remove; ++i) {
    TempTree gone{s.dir + "/.tmp-remove-" + others[i] + "-" + std::to_string(::getpid())};
    if (::rename(s.release(others[i]).c_str(), gone.path.c_str()) != 0)
      fail_sys("unable to remove " + s.release(others[i]));
    journal(s, "prune", others[i], "", "ok");
    say(s.name + " " + others[i] + ": removed");
  }
  if (n_remove) record_versions(s);
  ::close(lock);
}

// purge NAME: forgets a service for good: its releases, state and journal, and its runtime
// directory (the only command that removes that). Refused while the service is linked into
// the scan directory or still supervised. Each tree goes out of sight first (one rename).
void purge(const Service& s) {
  int lock = lock_service(s, false);
  struct stat st;
  if (::lstat(s.scan_link().c_str(), &st) == 0)
    fail(kExitRefused, s.name + " is linked as " + s.scan_link() + "; disable it first (sv disable " +
                           s.name + ")");
  if (read_health(s.service_dir()).supervised || read_health(s.service_dir() + "/log").supervised)
    fail(kExitRefused, s.name + " is still supervised; wait until its supervise has exited");
  struct Held {  // STORE/.lock, shared until the temporaries below are gone
    int fd;
    ~Held() { ::close(fd); }
  } held{hold_roots_shared(*s.roots)};
  std::string tag = std::to_string(::getpid());
  TempTree rt{s.roots->runtime + "/.purge-" + s.name + "-" + tag};
  if (::rename(s.runtime_dir().c_str(), rt.path.c_str()) != 0) {
    if (errno != ENOENT) fail_sys("unable to remove " + s.runtime_dir());
    rt.path.clear();
  }
  TempTree store{s.roots->store + "/.tmp-purge-" + s.name + "-" + tag};
  if (::rename(s.dir.c_str(), store.path.c_str()) != 0) fail_sys("unable to remove " + s.dir);
  test_point("purge-moved");
  say(s.name + ": purged (releases, state, journal and runtime directory removed)");
  ::close(lock);
}

// What a killed svdeploy may leave: temporaries (removed), and an intent record written
// before a switch (the state file is the truth: the service is brought back to its
// active version).
void repair(const Service& s) {
  boost::system::error_code ec;
  for (fs::directory_iterator it(s.dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n.rfind(".tmp-", 0) == 0) {
      TempTree gone{it->path().string()};
      warn(s.name + ": removed " + n + " left by an interrupted svdeploy");
    }
  }
  bool found = false;
  std::string intent = read_text(s.dir + "/.intent", &found);
  State st = read_state(s);
  std::string want = st.active, cur;
  {
    char buf[512];
    ssize_t n = ::readlink(s.current_link().c_str(), buf, sizeof buf);
    if (n > 0) cur.assign(buf, n);
  }
  bool differs = cur != want;
  if (!found && !differs) return;
  std::istringstream in(intent);
  std::string action = "command", from, to;
  in >> action >> from >> to;
  std::string what;
  if (!differs) {
    what = want == to ? "completed" : "undone";
    if (!want.empty()) start_service(s);  // it may have been stopped for the switch
  } else if (want.empty()) {
    stop_service(s);
    ::unlink(s.current_link().c_str());
    what = "undone";
  } else {
    restart_to(s, want, s.roots->wait);
    what = "undone";
  }
  if (to.empty()) to = cur.substr(cur.rfind('/') + 1);
  warn(s.name + ": an interrupted " + action + " of " + to + " was " + what + "; " +
       (want.empty() ? std::string("no version") : want) + " is active");
  journal(s, "repair", to, want, "interrupted " + action + " " + what);
  ::unlink((s.dir + "/.intent").c_str());
}

}  // namespace svdeploy
