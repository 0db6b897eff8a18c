// SPDX-License-Identifier: MIT
// logger: svlogd's main loop. Reads standard input in large chunks, cuts it into lines,
// stamps them, sends each to every log directory (patterns, stderr copy, UDP, file) and
// reacts to signals: ALRM rotates, HUP reopens, TERM drains what is already in the pipe.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "log_dir.hpp"
#include "svkit/log_lines.hpp"
#include "svkit/log_stamp.hpp"

namespace svlogd {

struct Options {
  int stamp = 0;             // number of -t (at most 3)
  char replace_with = 0;     // -r c (or '_' when only -R was given)
  std::string replace;       // -R abc
  Settings settings;         // -l, -v
  std::vector<std::string> dirs;
};

class Logger final : public svkit::LineSink {
 public:
  explicit Logger(const Options& o);
  int run();  // returns the exit code

  void line(char* head, size_t len, bool long_line, const timespec& when) override;
  void tail(const char* data, size_t len) override;
  void tail_end() override;

 private:
  void reopen();                    // dies when no directory is usable
  void flush_all();
  void on_signal(int sig, bool& stop);
  size_t read_input(size_t limit);  // bytes read; 0 at end of input
  void drain();
  int poll_timeout() const;
  void copy_line(std::string& out, std::string_view stamp, const svkit::LogConfig& c,
                 std::string_view head, bool long_line);

  const Options& opt_;
  std::vector<std::unique_ptr<LogDir>> dirs_;
  std::vector<char> in_tail_;       // per directory: the current long line goes to the file
  svkit::LogStamp stamp_;
  svkit::LineSplitter split_;
  std::unique_ptr<char[]> in_;
  bool eof_ = false;
  std::string scratch_;
};

}  // namespace svlogd
