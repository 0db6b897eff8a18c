// SPDX-License-Identifier: MIT
// log_lines: cuts svlogd's input into lines with runit's -l semantics, in bounded memory.
// A line's first LEN characters (the "head") are what patterns, stderr and UDP see; a
// longer line's rest (the "tail") is streamed through unchanged, however long it is.
// Each line carries the clock value of the read that delivered its first byte. Pure.
#pragma once
#include <time.h>

#include <cstddef>
#include <memory>

namespace svkit {

class LineSink {
 public:
  virtual ~LineSink() = default;
  // A head. LONG: the line had LEN or more characters and its tail follows (then tail_end).
  // HEAD may be modified in place (character replacement).
  virtual void line(char* head, size_t len, bool long_line, const timespec& when) = 0;
  virtual void tail(const char* data, size_t len) = 0;
  virtual void tail_end() = 0;  // the newline of a long line
};

class LineSplitter {
 public:
  explicit LineSplitter(size_t line_max);
  // DATA is consumed entirely; complete heads are passed in place (DATA may be modified).
  void feed(char* data, size_t len, const timespec& when, LineSink& sink);
  // End of input: an unfinished line is completed as if it had ended with a newline.
  void finish(LineSink& sink);
  bool mid_line() const noexcept { return pending_ > 0 || in_tail_; }

 private:
  size_t max_;
  std::unique_ptr<char[]> head_;  // a head that spans reads (fewer than max_ bytes)
  size_t pending_ = 0;
  timespec pending_when_{};
  bool in_tail_ = false;
};

}  // namespace svkit
