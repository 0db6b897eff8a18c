// SPDX-License-Identifier: MIT
// shim: fault injection linked into the test-only "-faulty" builds of the daemons
// (supervise-faulty, svlogd-faulty, sv-faulty; never installed). The executables are linked
// with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=clock_gettime,--wrap=time,
// --wrap=gettimeofday, so every reference to those functions in the program, in libstdc++
// (operator new) and in the rest of static glibc comes here; __real_X is the original.
//
// Controls: environment variables naming files, which a test creates, rewrites and
// removes while the daemon runs. They are re-read at most every 20 ms (CLOCK_MONOTONIC):
//   SVKIT_FAULT_MALLOC_FILE=PATH  while PATH holds N > 0: every Nth allocation fails
//                                 (NULL, errno ENOMEM); no file: no failure.
//   SVKIT_FAULT_CLOCK_FILE=PATH   while PATH holds S (signed seconds): the wall clock
//                                 (CLOCK_REALTIME and its coarse variant, time(),
//                                 gettimeofday()) reads S seconds off; CLOCK_MONOTONIC never.
// The shim itself never allocates (open/read/close only) and keeps errno as it found it.
// Its state is not locked: the daemons it is linked into are single-threaded.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

extern "C" {
void* __real_malloc(size_t);
void* __real_calloc(size_t, size_t);
void* __real_realloc(void*, size_t);
int __real_clock_gettime(clockid_t, struct timespec*);
time_t __real_time(time_t*);
int __real_gettimeofday(struct timeval*, void*);

void* __wrap_malloc(size_t);
void* __wrap_calloc(size_t, size_t);
void* __wrap_realloc(void*, size_t);
int __wrap_clock_gettime(clockid_t, struct timespec*);
time_t __wrap_time(time_t*);
int __wrap_gettimeofday(struct timeval*, void*);
}

namespace {

constexpr int64_t kRecheckNs = 20 * 1000 * 1000;

struct State {
  bool init = false;
  const char* malloc_file = nullptr;
  const char* clock_file = nullptr;
  int64_t checked_ns = INT64_MIN;
  long every = 0;          // every Nth allocation fails; 0: none
  unsigned long count = 0; // allocations seen while failures are on
  int64_t shift_s = 0;     // wall-clock offset
};
State st;

// The signed number in PATH; false when PATH is missing or holds no number. Other read
// errors (EMFILE while a test squeezes fds) keep the previous value: KEEP is set.
bool read_number(const char* path, long& out, bool& keep) {
  keep = false;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    keep = errno != ENOENT && errno != ENOTDIR;
    return false;
  }
  char buf[32];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  char* p = buf;
  bool neg = false;
  while (*p == ' ' || *p == '\t') ++p;
  if (*p == '-' || *p == '+') neg = *p++ == '-';
  if (*p < '0' || *p > '9') return false;
  long v = 0;
  for (; *p >= '0' && *p <= '9'; ++p) v = v * 10 + (*p - '0');
  out = neg ? -v : v;
  return true;
}

void refresh() noexcept {
  int saved = errno;
  if (!st.init && environ) {  // (static glibc may allocate before the environment is set)
    st.init = true;
    st.malloc_file = ::getenv("SVKIT_FAULT_MALLOC_FILE");  // getenv never allocates
    st.clock_file = ::getenv("SVKIT_FAULT_CLOCK_FILE");
  }
  if (!st.malloc_file && !st.clock_file) {
    errno = saved;
    return;
  }
  struct timespec now;
  __real_clock_gettime(CLOCK_MONOTONIC, &now);
  int64_t ns = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
  if (st.checked_ns != INT64_MIN && ns - st.checked_ns < kRecheckNs) {
    errno = saved;
    return;
  }
  st.checked_ns = ns;
  long v = 0;
  bool keep = false;
  if (st.malloc_file) {
    bool on = read_number(st.malloc_file, v, keep) && v > 0;
    if (!keep) {
      if (!on) v = 0;
      if (v != st.every) st.count = 0;
      st.every = v;
    }
  }
  if (st.clock_file) {
    bool on = read_number(st.clock_file, v, keep);
    if (!keep) st.shift_s = on ? v : 0;
  }
  errno = saved;
}

// Static glibc allocates during its own start-up (_dl_non_dynamic_init) and cannot
// survive a failure there: faults begin with the program's constructors.
bool armed = false;
__attribute__((constructor(101))) void arm() { armed = true; }

// True when this allocation is to fail.
bool fail_now() noexcept {
  if (!armed) return false;
  refresh();
  if (st.every <= 0) return false;
  if (++st.count % static_cast<unsigned long>(st.every) != 0) return false;
  errno = ENOMEM;
  return true;
}

bool is_wall(clockid_t c) noexcept {
  return c == CLOCK_REALTIME
#ifdef CLOCK_REALTIME_COARSE
         || c == CLOCK_REALTIME_COARSE
#endif
      ;
}

}  // namespace

extern "C" {

void* __wrap_malloc(size_t n) { return fail_now() ? nullptr : __real_malloc(n); }
void* __wrap_calloc(size_t k, size_t n) { return fail_now() ? nullptr : __real_calloc(k, n); }
void* __wrap_realloc(void* p, size_t n) {
  // realloc(p, 0) frees: never a fault. realloc(nullptr, n) is an allocation.
  if (n != 0 && fail_now()) return nullptr;
  return __real_realloc(p, n);
}

int __wrap_clock_gettime(clockid_t c, struct timespec* ts) {
  int r = __real_clock_gettime(c, ts);
  if (r == 0 && ts && is_wall(c)) {
    refresh();
    ts->tv_sec += st.shift_s;
  }
  return r;
}

time_t __wrap_time(time_t* out) {
  time_t t = __real_time(nullptr);
  if (t != static_cast<time_t>(-1)) {
    refresh();
    t += st.shift_s;
  }
  if (out) *out = t;
  return t;
}

int __wrap_gettimeofday(struct timeval* tv, void* tz) {
  int r = __real_gettimeofday(tv, tz);
  if (r == 0 && tv) {
    refresh();
    tv->tv_sec += st.shift_s;
  }
  return r;
}

}  // extern "C"
