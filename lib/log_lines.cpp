// SPDX-License-Identifier: MIT
// log_lines: memchr over each read; only a head that spans two reads is copied.
#include "svkit/log_lines.hpp"

#include <string.h>

namespace svkit {

LineSplitter::LineSplitter(size_t line_max) : max_(line_max), head_(new char[line_max]) {}

void LineSplitter::feed(char* p, size_t n, const timespec& when, LineSink& sink) {
  while (n > 0) {
    if (in_tail_) {
      auto* nl = static_cast<char*>(memchr(p, '\n', n));
      size_t k = nl ? static_cast<size_t>(nl - p) : n;
      if (k) sink.tail(p, k);
      if (!nl) return;
      sink.tail_end();
      in_tail_ = false;
      p += k + 1;
      n -= k + 1;
      continue;
    }
    size_t room = max_ - pending_;
    size_t look = n < room ? n : room;
    auto* nl = static_cast<char*>(memchr(p, '\n', look));
    if (pending_ == 0 && (nl || look == room)) {  // the whole head lies in this read
      size_t k = nl ? static_cast<size_t>(nl - p) : room;
      sink.line(p, k, !nl, when);
      in_tail_ = !nl;
      p += nl ? k + 1 : k;
      n -= nl ? k + 1 : k;
      continue;
    }
    size_t k = nl ? static_cast<size_t>(nl - p) : look;
    if (pending_ == 0) pending_when_ = when;
    memcpy(head_.get() + pending_, p, k);
    pending_ += k;
    p += nl ? k + 1 : k;
    n -= nl ? k + 1 : k;
    if (nl || pending_ == max_) {
      sink.line(head_.get(), pending_, !nl, pending_when_);
      in_tail_ = !nl;
      pending_ = 0;
    }
  }
}

void LineSplitter::finish(LineSink& sink) {
  if (in_tail_) {
    sink.tail_end();
    in_tail_ = false;
  } else if (pending_ > 0) {
    sink.line(head_.get(), pending_, false, pending_when_);
    pending_ = 0;
  }
}

}  // namespace svkit
