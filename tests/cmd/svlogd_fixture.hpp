// SPDX-License-Identifier: MIT
// svlogd_fixture: helpers shared by the svlogd end-to-end and interop tests: a logger fed
// through a FIFO the test writes to, reading a log directory back in order, numbered lines.
#pragma once
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "harness.hpp"

namespace svlogd_test {

using namespace svkit::test;

// The @… files of DIR, oldest first (their names are TAI64N rotation times).
inline std::vector<std::string> old_files(const fs::path& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] == '@') names.emplace_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Everything logged in DIR in order: the @….s/.u files, then current.
inline std::string all_logged(const fs::path& dir) {
  std::string text;
  for (auto& n : old_files(dir))
    if (n.back() != 't') text += read_file(dir / n);
  return text + read_file(dir / "current");
}

// Lines without their -t/-tt/-ttt stamp.
inline std::string strip_stamps(const std::string& text) {
  static const std::regex stamp("^(@[0-9a-f]{24}|[0-9]{4}-[0-9]{2}-[0-9]{2}[_T][0-9:]{8}\\.[0-9]{5}) ",
                                std::regex::multiline);
  return std::regex_replace(text, stamp, "");
}

inline std::string numbered(int first, int last, const std::string& pad = "") {
  std::string s;
  for (int i = first; i <= last; ++i) s += std::to_string(i) + pad + "\n";
  return s;
}

// "" when TEXT is exactly the lines FIRST..LAST (each number at the start of its line),
// otherwise a description of the first gap or duplicate.
inline std::string continuity(const std::string& text, int first, int last) {
  int want = first;
  for (auto& l : split_lines(text)) {
    int got = std::atoi(l.c_str());
    if (got != want) return "expected line " + std::to_string(want) + ", got '" + l + "'";
    ++want;
  }
  if (want != last + 1) return "stopped after line " + std::to_string(want - 1);
  return "";
}

inline mode_t mode_of(const fs::path& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

// A logger (PROGRAM ARGS) whose stdin is a FIFO written by the test.
class Fed {
 public:
  Fed(const TempDir& tmp, const std::string& program, std::vector<std::string> args)
      : fifo_(tmp / "feed") {
    ::mkfifo(fifo_.c_str(), 0600);
    std::string cmd = "exec '" + program + "'";
    for (auto& a : args) cmd += " '" + a + "'";
    tool_ = std::make_unique<Tool>("/bin/sh", std::vector<std::string>{"-c", cmd + " < " + fifo_.string()});
    fd_ = ::open(fifo_.c_str(), O_WRONLY | O_CLOEXEC);  // waits for the logger to open it
  }
  ~Fed() { close(); }
  void write(const std::string& s) { svkit_write(s); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  Tool& tool() { return *tool_; }

 private:
  void svkit_write(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::write(fd_, s.data() + off, s.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  fs::path fifo_;
  std::unique_ptr<Tool> tool_;
  int fd_ = -1;
};

}  // namespace svlogd_test
