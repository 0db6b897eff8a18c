// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "svkit/log_lines.hpp"

namespace {
struct Recorder : svkit::LineSink {
  std::vector<std::string> events;
  void line(char* head, size_t len, bool long_line, const timespec& when) override {
    events.push_back((long_line ? "L:" : "l:") + std::string(head, len) + "@" +
                     std::to_string(when.tv_sec));
  }
  void tail(const char* d, size_t n) override { events.push_back("t:" + std::string(d, n)); }
  void tail_end() override { events.push_back("end"); }
};

void feed(svkit::LineSplitter& s, std::string data, long sec, Recorder& r) {
  timespec ts = {sec, 0};
  s.feed(data.data(), data.size(), ts, r);
}
}  // namespace

TEST_CASE("lines are cut at newlines, heads spanning reads keep their first stamp",
          "[svlogd][unit]") {
  svkit::LineSplitter s(10);
  Recorder r;
  feed(s, "ab\n\ncd", 1, r);
  feed(s, "ef\ngh", 2, r);
  CHECK(s.mid_line());
  s.finish(r);
  CHECK(r.events == std::vector<std::string>{"l:ab@1", "l:@1", "l:cdef@1", "l:gh@2"});
  CHECK_FALSE(s.mid_line());
}

TEST_CASE("lines of -l characters or more stream their tail", "[svlogd][unit]") {
  svkit::LineSplitter s(4);
  Recorder r;
  feed(s, "abcd\nab", 1, r);        // exactly len characters: a long line with empty tail
  feed(s, "cdefg", 2, r);
  feed(s, "hi\nxy", 3, r);
  s.finish(r);
  CHECK(r.events == std::vector<std::string>{"L:abcd@1", "end", "L:abcd@1", "t:efg",
                                             "t:hi", "end", "l:xy@3"});
  Recorder r2;
  svkit::LineSplitter s2(4);
  feed(s2, "abcdef", 1, r2);
  s2.finish(r2);  // the end of input completes a long line too
  CHECK(r2.events == std::vector<std::string>{"L:abcd@1", "t:ef", "end"});
}
