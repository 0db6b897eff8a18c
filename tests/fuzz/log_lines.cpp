// SPDX-License-Identifier: MIT
// svlogd's line splitter: any bytes cut into reads of any sizes, with any -l length.
// What the sink receives (heads, tails, line ends) puts back exactly the input, each
// completed line ending in '\n'; a head is never longer than the limit.
#include <time.h>

#include <string>

#include "fuzz.hpp"
#include "svkit/log_lines.hpp"

using namespace svkit;

namespace {

struct Collect : LineSink {
  size_t max;
  std::string out;
  bool in_tail = false;
  size_t lines = 0;
  explicit Collect(size_t m) : max(m) {}
  void line(char* head, size_t len, bool long_line, const timespec&) override {
    FUZZ_CHECK(!in_tail);
    FUZZ_CHECK(len <= max);
    if (long_line) FUZZ_CHECK(len == max);
    out.append(head, len);
    ++lines;
    if (long_line) {
      in_tail = true;
    } else {
      out += '\n';
    }
  }
  void tail(const char* data, size_t len) override {
    FUZZ_CHECK(in_tail);
    out.append(data, len);
  }
  void tail_end() override {
    FUZZ_CHECK(in_tail);
    in_tail = false;
    out += '\n';
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  size_t max = in.byte() % 64 + 1;
  uint8_t cut = in.byte();
  std::string input(in.rest());
  LineSplitter split(max);
  Collect sink(max);
  std::string copy = input;  // feed() may modify what it is given
  size_t pos = 0, k = 0;
  timespec when{};
  while (pos < copy.size()) {
    size_t n = (cut >> (k++ % 8) & 7) * 3 + 1;
    if (n > copy.size() - pos) n = copy.size() - pos;
    split.feed(copy.data() + pos, n, when, sink);
    pos += n;
  }
  split.finish(sink);
  FUZZ_CHECK(!split.mid_line());
  FUZZ_CHECK(!sink.in_tail);
  std::string expect = input;
  if (!expect.empty() && expect.back() != '\n') expect += '\n';
  FUZZ_CHECK(sink.out == expect);
  return 0;
}
