// SPDX-License-Identifier: MIT
// log_stamp: per-second cache of the date part; the fraction is re-formatted per value.
#include "svkit/log_stamp.hpp"

#include "svkit/digits.hpp"
#include "svkit/tai64n.hpp"

namespace svkit {

void LogStamp::format_second(int64_t sec) noexcept {
  sec_ = sec;
  if (level_ == 1) {
    buf_[0] = '@';
    put_hex(buf_ + 1, kTaiEpoch + static_cast<uint64_t>(sec), 16);
  } else {
    time_t t = static_cast<time_t>(sec);
    struct tm tm = {};  // all zero if gmtime_r cannot represent the year
    ::gmtime_r(&t, &tm);
    put_dec(buf_, static_cast<unsigned long>(1900 + tm.tm_year), 4);
    buf_[4] = '-';
    put_dec(buf_ + 5, tm.tm_mon + 1, 2);
    buf_[7] = '-';
    put_dec(buf_ + 8, tm.tm_mday, 2);
    buf_[10] = level_ == 2 ? '_' : 'T';
    put_dec(buf_ + 11, tm.tm_hour, 2);
    buf_[13] = ':';
    put_dec(buf_ + 14, tm.tm_min, 2);
    buf_[16] = ':';
    put_dec(buf_ + 17, tm.tm_sec, 2);
    buf_[19] = '.';
  }
  buf_[25] = ' ';
}

std::string_view LogStamp::format(const timespec& ts) noexcept {
  if (ts.tv_sec != sec_ || nsec_ < 0) {  // nsec_ < 0: nothing formatted yet
    format_second(ts.tv_sec);
    nsec_ = -1;
  }
  if (ts.tv_nsec != nsec_) {
    nsec_ = ts.tv_nsec;
    unsigned long usec = static_cast<unsigned long>(ts.tv_nsec) / 1000;
    if (level_ == 1) put_hex(buf_ + 17, usec * 1000 + 500, 8);
    else put_dec(buf_ + 20, usec / 10, 5);  // the 9-digit nanoseconds cut to 5 digits
  }
  return std::string_view(buf_, kStampLen);
}

}  // namespace svkit
